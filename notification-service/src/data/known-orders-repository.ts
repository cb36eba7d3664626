import { connectionOf, type Knex } from '@order-platform/shared';
import type { NotificationRequest } from '../domain/notification-requests.js';

export interface KnownOrder {
  orderId: string;
  customerId: string;
}

// one statement: the order becomes known and what was held for it is taken, atomically
const acceptOrder = `with known as (insert into known_orders (order_id, customer_id, created_at) values ($1, $2, $3) on conflict (order_id) do nothing)
  delete from held_notifications where order_id = $1 returning request`;

/**
 * Records the order as known and removes and returns the requests held for it, in one round trip
 * (the caller's transaction rolls both back if it fails).
 */
export async function recordKnownOrderTakingHeld(trx: Knex.Transaction, order: KnownOrder, now: Date): Promise<NotificationRequest[]> {
  const connection = await connectionOf(trx);
  const { rows } = await connection.query<{ request: NotificationRequest | string }>({ name: 'known-order-accept', text: acceptOrder, values: [order.orderId, order.customerId, now] });
  return rows.map((r) => (typeof r.request === 'string' ? (JSON.parse(r.request) as NotificationRequest) : r.request));
}

export async function holdRequest(trx: Knex.Transaction, request: NotificationRequest & { orderId: string }, now: Date): Promise<void> {
  await trx('held_notifications').insert({ dedup_key: request.dedupKey, order_id: request.orderId, request: JSON.stringify(request), held_at: now }).onConflict('dedup_key').ignore();
}
