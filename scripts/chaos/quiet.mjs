// make chaos (and make bench, after its warm-up): when the system has settled after the load,
// and JetStream's max-deliveries advisories seen over the run (a message the server stopped
// redelivering: it must never happen).
import { jetstreamManager } from '@nats-io/jetstream';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Counts `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>` on a core subscription (kept across NATS restarts). */
export function watchAdvisories(nc) {
  const seen = { count: 0, examples: [] };
  nc.subscribe('$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>', {
    callback: (_error, msg) => {
      seen.count++;
      if (seen.examples.length < 3) seen.examples.push(msg.subject.split('.').slice(-2).join('/') + ` seq ${msg.json()?.stream_seq}`);
    },
  });
  return seen;
}

/**
 * Quiet: every order terminal, nothing reserved, no unpublished outbox row, no consumer with
 * pending or unacked messages, no notification still retrying, and the mail count unchanged, twice
 * in a row. Gives up after `timeoutMs` and says what was still moving. `mailCount()` answers the
 * mails received so far; `namespace`, when given, limits the check to that namespace's streams.
 */
export async function waitQuiet({ q, nc, timeoutMs, mailCount, namespace }) {
  const deadline = Date.now() + timeoutMs;
  let calm = 0;
  let lastMails = -1;
  let busy = [];
  while (Date.now() < deadline) {
    busy = [];
    try {
      const [{ n: open }] = await q.order(`select count(*)::int as n from orders where status not in ('confirmed', 'cancelled')`);
      if (open) busy.push(`${open} orders not terminal`);
      const [{ n: reserved }] = await q.stock('select coalesce(sum(reserved), 0)::int as n from products');
      if (reserved) busy.push(`${reserved} units reserved`);
      for (const [name, query] of Object.entries(q)) {
        const [{ n }] = await query('select count(*)::int as n from outbox where published_at is null');
        if (n) busy.push(`${n} unpublished in ${name}'s outbox`);
      }
      const [{ n: retrying }] = await q.notify(`select count(*)::int as n from notifications where status not in ('sent', 'failed', 'skipped', 'unconfirmed')`);
      if (retrying) busy.push(`${retrying} notifications not settled`);
      const jsm = await jetstreamManager(nc);
      for await (const stream of jsm.streams.list()) {
        if (namespace && !stream.config.name.startsWith(`${namespace}_`)) continue;
        for await (const c of jsm.consumers.list(stream.config.name)) {
          if (c.num_pending + c.num_ack_pending > 0) busy.push(`${c.name}: ${c.num_pending} pending, ${c.num_ack_pending} unacked`);
        }
      }
    } catch (error) {
      busy.push(`cannot read: ${error.message}`);
    }
    const mailed = await mailCount();
    if (mailed !== lastMails) busy.push('mails still arriving');
    lastMails = mailed;
    calm = busy.length === 0 ? calm + 1 : 0;
    if (calm >= 2) return { ok: true };
    await sleep(1000);
  }
  return { ok: false, detail: busy.slice(0, 5).join('; ') };
}
