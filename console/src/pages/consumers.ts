import type { ConsumerState } from '@order-platform/shared';
import { html, type Html } from '../html.js';
import type { Answer } from '../services.js';
import { down, time } from './layout.js';

export type { ConsumerState };

export interface ServiceConsumers {
  service: string;
  consumers: ConsumerState[];
  outbox: { backlog: number; oldestAgeMs: number | null };
}

/** Every service's durable consumers and its outbox; polls itself every 2 s. */
export function consumersSection(answers: Answer<ServiceConsumers>[], now: Date): Html {
  const ok = answers.flatMap((a) => (a.ok ? [a.data] : []));
  const consumers = ok.flatMap((s) => s.consumers.map((c) => ({ ...c, service: s.service })));
  return html`<section id="consumers-section" hx-get="/consumers/table" hx-trigger="every 2s" hx-swap="outerHTML">
${down(answers.flatMap((a) => (a.ok ? [] : [a])))}
<h2>Durable consumers</h2>
<table id="consumers">
  <thead><tr><th>service</th><th>durable</th><th>stream</th><th>subject</th><th class="num">pending</th><th class="num">ack pending</th><th class="num">redelivered</th><th class="num">waiting pulls</th><th>last delivered</th></tr></thead>
  <tbody>${consumers.map(
    (c) => html`<tr data-durable="${c.durable}">
    <td><span class="service-tag">${c.service}</span></td>
    <td class="mono">${c.durable}</td>
    <td>${c.stream}</td>
    <td class="mono">${c.filterSubject}</td>
    <td class="num ${c.pending > 0 ? 'lag' : ''}" data-field="pending">${c.pending}</td>
    <td class="num ${c.ackPending > 0 ? 'lag' : ''}" data-field="ackPending">${c.ackPending}</td>
    <td class="num" data-field="redelivered">${c.redelivered}</td>
    <td class="num">${c.waiting}</td>
    <td>${time(c.lastDelivered)}</td>
  </tr>`,
  )}</tbody>
</table>
<h2>Outbox backlog</h2>
<table id="outboxes">
  <thead><tr><th>service</th><th class="num">unpublished rows</th><th class="num">oldest waits</th></tr></thead>
  <tbody>${ok.map(
    (s) => html`<tr data-service="${s.service}">
    <td><span class="service-tag">${s.service}</span></td>
    <td class="num ${s.outbox.backlog > 0 ? 'lag' : ''}" data-field="backlog">${s.outbox.backlog}</td>
    <td class="num">${s.outbox.oldestAgeMs === null || s.outbox.oldestAgeMs === undefined ? '—' : `${(s.outbox.oldestAgeMs / 1000).toFixed(1)} s`}</td>
  </tr>`,
  )}</tbody>
</table>
<p class="muted">refreshed every 2 s · as of ${time(now.toISOString())}</p>
</section>`;
}
