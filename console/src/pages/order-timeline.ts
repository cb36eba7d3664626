import { html, type Html } from '../html.js';
import { formatMoney } from '../money.js';
import { isTerminal, type Timeline, type TimelineEntry } from '../timeline.js';
import { ago, down, time } from './layout.js';

const traceIdPattern = /^[0-9a-f]{32}$/;

/**
 * The timeline section. While the order is not terminal it polls itself every 2 s (outerHTML:
 * the answer for a finished order comes without the trigger, so polling stops there).
 */
export function timelineSection(orderId: string, timeline: Timeline, jaegerUrl: string, now: Date): Html {
  const { order } = timeline;
  const live = order.ok && !isTerminal(order.data.status);
  const poll = live ? html` hx-get="/orders/${encodeURIComponent(orderId)}/timeline" hx-trigger="every 2s" hx-swap="outerHTML"` : '';
  return html`<section id="timeline"${poll}>
${order.ok
  ? html`<div class="cards">
  <div class="card"><div class="muted">status</div><div class="big"><span class="status status-${order.data.status}" id="order-status">${order.data.status}</span></div>${order.data.cancellationReason ? html`<div>${order.data.cancellationReason}</div>` : ''}</div>
  <div class="card"><div class="muted">customer</div><div class="big">${order.data.customerId}</div></div>
  <div class="card"><div class="muted">total</div><div class="big">${formatMoney(order.data.total)}</div></div>
  <div class="card"><div class="muted">placed</div><div>${time(order.data.createdAt)}</div></div>
</div>`
  : down([order])}
${timeline.waiting ? html`<p class="waiting" id="waiting">waiting for ${timeline.waiting.what} since ${time(timeline.waiting.since)} (${ago(timeline.waiting.since, now.getTime())})</p>` : ''}
${down(timeline.problems)}
<table id="timeline-entries">
  <thead><tr><th>time</th><th>service</th><th>what</th><th>caused by</th><th>consumer</th><th class="num">delivery</th><th>trace</th></tr></thead>
  <tbody>${timeline.entries.map((e) => entryRow(e, jaegerUrl))}</tbody>
</table>
<p class="muted">oldest first · ${live ? 'refreshed every 2 s until the order ends' : 'the order has ended'}</p>
</section>`;
}

function entryRow(entry: TimelineEntry, jaegerUrl: string): Html {
  const h = entry.handled;
  return html`<tr class="entry" data-service="${entry.service}" data-kind="${entry.kind}">
  <td>${time(entry.at)}</td>
  <td><span class="service-tag">${entry.service}</span></td>
  <td><b>${entry.kind}</b> ${entry.summary}</td>
  <td>${entry.cause ?? ''}${h ? html`<div class="muted mono" title="message id">${h.messageId}${h.streamSeq === null ? '' : ` · seq ${h.streamSeq}`}</div>` : ''}</td>
  <td class="mono">${h?.consumer ?? ''}</td>
  <td class="num">${h?.deliveries ?? ''}</td>
  <td>${h?.traceId ? traceLink(h.traceId, jaegerUrl) : ''}</td>
</tr>`;
}

function traceLink(traceId: string, jaegerUrl: string): Html {
  if (!jaegerUrl || !traceIdPattern.test(traceId)) return html`<span class="mono">${traceId}</span>`;
  return html`<a class="mono" href="${jaegerUrl.replace(/\/$/, '')}/trace/${traceId}" target="_blank" rel="noopener">${traceId}</a>`;
}
