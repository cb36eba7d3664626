// make chaos: what the services know of an order whose mails were wrong, for the report's
// examples: notification-service's view (known order, held requests, delivery log, processed
// orders.created) and how many copies of its orders.created the ORDERS stream holds.
import { readStream } from '@order-platform/shared';

export async function diagnoseMails({ q, nc, orderIds }) {
  const notes = new Map();
  if (orderIds.length === 0) return notes;
  const created = new Map((await q.order(`select subject, id::text from outbox where type = 'orders.created' and subject = any($1)`, [orderIds])).map((r) => [r.subject, r.id]));
  const copies = new Map();
  for (const m of await readStream(nc, 'ORDERS', 'orders.created').catch(() => [])) if (created.has(m.headers['ce-subject'])) copies.set(m.headers['ce-subject'], [...(copies.get(m.headers['ce-subject']) ?? []), m.seq]);
  for (const id of orderIds) {
    const eventId = created.get(id);
    const [known] = await q.notify('select created_at from known_orders where order_id = $1', [id]);
    const held = await q.notify('select dedup_key from held_notifications where order_id = $1', [id]);
    const log = await q.notify('select template, status, attempts from notifications where order_id = $1', [id]);
    const processed = eventId ? await q.notify(`select consumer from processed_messages where message_id = $1`, [eventId]) : [];
    notes.set(id, `[notify: ${known ? 'known' : 'not known'}, held ${held.map((h) => h.dedup_key).join('/') || 'none'}, log ${log.map((l) => `${l.template} ${l.status}×${l.attempts}`).join('/') || 'none'}, orders.created ${eventId ? `processed by ${processed.map((p) => p.consumer).join('/') || 'none'}` : 'not in the outbox'}, stream seqs ${copies.get(id)?.join('/') ?? 'none'}]`);
  }
  return notes;
}
