import type { Knex } from '@order-platform/shared';
import type { OrderStatus } from '../domain/order.js';

// The read side of an order's history: every transition with its cause, as GET /orders/:id/events
// and the status streams show it. Entries are written with the order (orders-repository.ts).

export interface HistoryEntry {
  from: OrderStatus | null;
  to: OrderStatus;
  cause: string;
  causeId: string | null;
  reason: string | null;
  at: Date;
}

export async function listHistory(db: Knex, orderId: string): Promise<HistoryEntry[]> {
  return historySince(db, orderId, 0);
}

/**
 * History entries of one order after `afterId`. Safe as a cursor here: the entries of one order
 * are written under its row lock, so they commit in id order.
 */
export async function historySince(db: Knex, orderId: string, afterId: number): Promise<(HistoryEntry & { id: number })[]> {
  const rows = await db('order_history').where({ order_id: orderId }).andWhere('id', '>', afterId).orderBy('id');
  return rows.map((r: { id: number; from_status: OrderStatus | null; to_status: OrderStatus; cause: string; cause_id: string | null; reason: string | null; occurred_at: Date }) => ({
    id: r.id,
    from: r.from_status,
    to: r.to_status,
    cause: r.cause,
    causeId: r.cause_id,
    reason: r.reason,
    at: r.occurred_at,
  }));
}
