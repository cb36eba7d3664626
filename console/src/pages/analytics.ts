import { groupedBars, horizontalBars, shareBar } from '../charts.js';
import { html, type Html } from '../html.js';
import { formatMoney } from '../money.js';
import type { Answer } from '../services.js';
import { time } from './layout.js';

export interface Today {
  date: string;
  orders: { placed: number; confirmed: number; cancelled: number; cancelledByReason: Record<string, number> };
  confirmationRate: number | null;
  revenue: { currency: string; captured: number; refunded: number; net: number }[];
  avgPlacedToConfirmedMs: number | null;
  lowStock: Record<string, unknown>[];
  perMinute: { minute: string; placed: number; confirmed: number; cancelled: number; revenue: { currency: string; captured: number }[] }[];
}

const lastMinutes = 60;

/**
 * Today's figures from analytics-service. Without it (not deployed, or down) the page says so
 * and the rest of the console works on.
 */
export function analyticsSection(answer: Answer<Today>, now: Date): Html {
  const poll = html`hx-get="/analytics/charts" hx-trigger="every 5s" hx-swap="outerHTML"`;
  if (!answer.ok) {
    return html`<section id="analytics-section" ${poll}><p class="down" id="analytics-unavailable"><b>analytics unavailable</b> — ${answer.problem}</p></section>`;
  }
  const t = answer.data;
  const minutes = t.perMinute.slice(-lastMinutes);
  const reasons = Object.entries(t.orders.cancelledByReason ?? {});
  return html`<section id="analytics-section" ${poll}>
<div class="cards">
  <div class="card"><div class="muted">placed</div><div class="big" id="placed">${t.orders.placed}</div></div>
  <div class="card"><div class="muted">confirmed</div><div class="big">${t.orders.confirmed}</div></div>
  <div class="card"><div class="muted">cancelled</div><div class="big">${t.orders.cancelled}</div>${reasons.map(([r, n]) => html`<div class="muted">${r}: ${n}</div>`)}</div>
  <div class="card"><div class="muted">placed → confirmed</div><div class="big">${t.avgPlacedToConfirmedMs === null ? '—' : `${(t.avgPlacedToConfirmedMs / 1000).toFixed(1)} s`}</div><div class="muted">average</div></div>
  <div class="card">${shareBar({ id: 'confirmation-rate', title: 'confirmation rate', share: t.confirmationRate, colour: '#2f9e62' })}</div>
</div>
<div class="chart">${groupedBars({
    id: 'orders-per-minute',
    title: `orders per minute (${t.date}, last ${minutes.length} minutes with orders)`,
    labels: minutes.map((m) => m.minute.slice(11, 16) || m.minute),
    series: [
      { name: 'placed', colour: '#4a74e8', values: minutes.map((m) => m.placed) },
      { name: 'confirmed', colour: '#2f9e62', values: minutes.map((m) => m.confirmed) },
      { name: 'cancelled', colour: '#d9534f', values: minutes.map((m) => m.cancelled) },
    ],
  })}</div>
<div class="chart">${t.revenue.length === 0
    ? html`<p class="muted">No revenue yet today.</p>`
    : t.revenue.map((r) => horizontalBars({
      id: `revenue-${r.currency}`,
      title: `revenue ${r.currency}`,
      rows: [
        { label: 'captured', value: r.captured, text: formatMoney({ amount: r.captured, currency: r.currency }), colour: '#4a74e8' },
        { label: 'refunded', value: r.refunded, text: formatMoney({ amount: r.refunded, currency: r.currency }), colour: '#d9534f' },
        { label: 'net', value: r.net, text: formatMoney({ amount: r.net, currency: r.currency }), colour: '#2f9e62' },
      ],
    }))}</div>
${t.lowStock.length ? html`<h2>Low stock</h2><ul>${t.lowStock.map((item) => html`<li>${Object.entries(item).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' · ')}</li>`)}</ul>` : ''}
<p class="muted">refreshed every 5 s · as of ${time(now.toISOString())}</p>
</section>`;
}
