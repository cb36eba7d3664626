import { AppError, type Knex, type Principal } from '@order-platform/shared';
import { findOrder, listOrders } from '../data/orders-repository.js';
import { assertVisible, customerOf } from './order-access.js';
import { orderView, type OrderStatus, type OrderView } from './order.js';

export async function getOrder(db: Knex, id: string, actor: Principal): Promise<OrderView> {
  return orderView(assertVisible(await findOrder(db, id), actor, id));
}

export interface OrderQuery {
  customerId?: string | undefined;
  status?: OrderStatus | undefined;
  /** an order id or a customer id, exact */
  q?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/**
 * Newest first, a page at a time; the cursor is opaque to clients (the last order's position).
 * A customer lists only their own orders; an admin anyone's, or everyone's.
 */
export async function findOrders(db: Knex, query: OrderQuery, actor: Principal): Promise<{ items: OrderView[]; nextCursor: string | null }> {
  const customerId = customerOf(actor, query.customerId);
  const orders = await listOrders(db, { ...query, customerId, limit: query.limit + 1, after: query.cursor ? decodeCursor(query.cursor) : undefined });
  const page = orders.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(orderView),
    nextCursor: orders.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
    const createdAt = new Date(at);
    if (Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) throw new Error('bad cursor');
    return { createdAt, id };
  } catch (cause) {
    throw new AppError('bad_request', 'cursor is invalid; use the nextCursor of a previous page', { cause });
  }
}
