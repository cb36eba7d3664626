import type { Knex } from '@order-platform/shared';
import type { NotificationRequest } from '../domain/notification-requests.js';

export interface KnownOrder {
  orderId: string;
  customerId: string;
}

export async function recordKnownOrder(trx: Knex.Transaction, order: KnownOrder, now: Date): Promise<void> {
  await trx('known_orders').insert({ order_id: order.orderId, customer_id: order.customerId, created_at: now }).onConflict('order_id').ignore();
}

export async function findKnownOrder(trx: Knex.Transaction, orderId: string): Promise<KnownOrder | undefined> {
  const row = await trx('known_orders').where({ order_id: orderId }).first<{ order_id: string; customer_id: string } | undefined>('order_id', 'customer_id');
  return row && { orderId: row.order_id, customerId: row.customer_id };
}

export async function holdRequest(trx: Knex.Transaction, request: NotificationRequest & { orderId: string }, now: Date): Promise<void> {
  await trx('held_notifications').insert({ dedup_key: request.dedupKey, order_id: request.orderId, request: JSON.stringify(request), held_at: now }).onConflict('dedup_key').ignore();
}

/** Removes and returns the requests held for the order (the caller's transaction rolls them back if it fails). */
export async function takeHeldRequests(trx: Knex.Transaction, orderId: string): Promise<NotificationRequest[]> {
  const rows = await trx('held_notifications').where({ order_id: orderId }).delete().returning<{ request: NotificationRequest | string }[]>('request');
  return rows.map((r) => (typeof r.request === 'string' ? (JSON.parse(r.request) as NotificationRequest) : r.request));
}
