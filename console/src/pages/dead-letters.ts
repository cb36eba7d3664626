import { html, type Html } from '../html.js';
import type { Answer, ServiceName } from '../services.js';
import { down, time } from './layout.js';

export interface DeadLetter {
  seq: number;
  subject: string;
  originalSubject: string;
  consumer: string;
  error: string;
  deliveries: number;
  time: string;
  orderId: string | null;
}

export interface ReplayResult {
  service: string;
  answer: Answer<{ replayed: number[]; failed: { seq: number; error: string }[] }>;
}

/**
 * Every service's dead letters; refreshes every 3 s and right after a replay (the replay's
 * answer triggers `dead-letters-changed`).
 */
export function deadLettersSection(answers: { service: ServiceName; label: string; answer: Answer<{ deadLetters: DeadLetter[] }> }[]): Html {
  const letters = answers.flatMap((a) => (a.answer.ok ? a.answer.data.deadLetters.map((d) => ({ ...d, service: a.service, label: a.label })) : []));
  return html`<section id="dead-letters-section" hx-get="/dead-letters/table" hx-trigger="every 3s, dead-letters-changed from:body" hx-swap="outerHTML">
${down(answers.flatMap((a) => (a.answer.ok ? [] : [a.answer])))}
${letters.length === 0
  ? html`<p class="note" id="no-dead-letters">No dead letters.</p>`
  : html`<form method="post" action="/dead-letters/replay" hx-post="/dead-letters/replay" hx-target="#replay-result"
      hx-confirm="Replay all ${letters.length} dead letters to their original subjects?">
  <input type="hidden" name="all" value="1"><button type="submit" class="danger" id="replay-all">Replay all (${letters.length})</button>
</form>
<table id="dead-letters">
  <thead><tr><th class="num">seq</th><th>service</th><th>consumer</th><th>event</th><th>order</th><th>error</th><th class="num">deliveries</th><th>dead since</th><th></th></tr></thead>
  <tbody>${letters.map(
    (d) => html`<tr data-seq="${d.seq}" data-service="${d.label}">
    <td class="num">${d.seq}</td>
    <td><span class="service-tag">${d.label}</span></td>
    <td class="mono">${d.consumer}</td>
    <td class="mono">${d.originalSubject}</td>
    <td>${d.orderId ? html`<a class="mono" href="/orders/${encodeURIComponent(d.orderId)}">${d.orderId.slice(0, 8)}…</a>` : html`<span class="muted">${d.subject}</span>`}</td>
    <td class="error">${d.error}</td>
    <td class="num">${d.deliveries}</td>
    <td>${time(d.time)}</td>
    <td><form method="post" action="/dead-letters/replay" hx-post="/dead-letters/replay" hx-target="#replay-result"
        hx-confirm="Replay dead letter ${d.seq} (${d.consumer}) to ${d.originalSubject}?">
      <input type="hidden" name="service" value="${d.service}"><input type="hidden" name="seq" value="${d.seq}">
      <button type="submit" class="replay">Replay</button></form></td>
  </tr>`,
  )}</tbody>
</table>`}
</section>`;
}

export function replayResultView(results: ReplayResult[]): Html {
  if (results.length === 0) return html`<p class="note">Nothing to replay.</p>`;
  return html`<div class="result" id="replay-outcome">${results.map(({ service, answer }) => {
    if (!answer.ok) return down([answer]);
    const { replayed, failed } = answer.data;
    return html`<p class="${failed.length ? 'down' : 'note'}">${service}: replayed ${replayed.length ? replayed.join(', ') : 'none'}${failed.length
      ? html`; failed ${failed.map((f) => html`${f.seq} (${f.error}) `)}`
      : ''}</p>`;
  })}</div>`;
}
