import { AppError, type Knex } from '@order-platform/shared';
import { findOrder, listOrders } from '../data/orders-repository.js';
import { orderView, type OrderStatus, type OrderView } from './order.js';

export async function getOrder(db: Knex, id: string): Promise<OrderView> {
  const order = await findOrder(db, id);
  if (!order) throw new AppError('not_found', `order ${id} does not exist`);
  return orderView(order);
}

export interface OrderQuery {
  customerId?: string | undefined;
  status?: OrderStatus | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Newest first, a page at a time; the cursor is opaque to clients (the last order's position). */
export async function findOrders(db: Knex, query: OrderQuery): Promise<{ items: OrderView[]; nextCursor: string | null }> {
  const orders = await listOrders(db, { ...query, limit: query.limit + 1, after: query.cursor ? decodeCursor(query.cursor) : undefined });
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
