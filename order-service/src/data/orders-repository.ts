import type { CancellationReason, Knex } from '@order-platform/shared';
import type { Order, OrderStatus } from '../domain/order.js';

interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  cancellation_reason: CancellationReason | null;
  total_amount: number;
  currency: string;
  created_at: Date;
  updated_at: Date;
}

interface ItemRow {
  order_id: string;
  line: number;
  sku: string;
  quantity: number;
  unit_price_amount: number;
  currency: string;
}

export async function insertOrder(trx: Knex.Transaction, order: Order): Promise<void> {
  await trx('orders').insert({
    id: order.id,
    customer_id: order.customerId,
    status: order.status,
    cancellation_reason: order.cancellationReason,
    total_amount: order.total.amount,
    currency: order.total.currency,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
  });
  await trx('order_items').insert(
    order.items.map((item, line) => ({ order_id: order.id, line, sku: item.sku, quantity: item.quantity, unit_price_amount: item.unitPrice.amount, currency: item.unitPrice.currency })),
  );
}

export async function appendHistory(
  trx: Knex.Transaction,
  entry: { orderId: string; from: OrderStatus | null; to: OrderStatus; cause: string; causeId?: string; reason?: string | null; at: Date },
): Promise<void> {
  await trx('order_history').insert({
    order_id: entry.orderId,
    from_status: entry.from,
    to_status: entry.to,
    cause: entry.cause,
    cause_id: entry.causeId ?? null,
    reason: entry.reason ?? null,
    occurred_at: entry.at,
  });
}

export async function findOrder(db: Knex | Knex.Transaction, id: string): Promise<Order | undefined> {
  const row = await db<OrderRow>('orders').where({ id }).first();
  if (!row) return undefined;
  const [order] = await withItems(db, [row]);
  return order;
}

export interface OrderFilter {
  customerId?: string | undefined;
  status?: OrderStatus | undefined;
  limit: number;
  /** keyset position: orders strictly older than this (created_at desc, id desc) */
  after?: { createdAt: Date; id: string } | undefined;
}

export async function listOrders(db: Knex, filter: OrderFilter): Promise<Order[]> {
  const query = db<OrderRow>('orders').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filter.limit);
  if (filter.customerId) void query.where('customer_id', filter.customerId);
  if (filter.status) void query.where('status', filter.status);
  if (filter.after) void query.whereRaw('(created_at, id) < (?, ?)', [filter.after.createdAt, filter.after.id]);
  return withItems(db, await query);
}

async function withItems(db: Knex | Knex.Transaction, rows: OrderRow[]): Promise<Order[]> {
  if (rows.length === 0) return [];
  const items = await db<ItemRow>('order_items').whereIn('order_id', rows.map((r) => r.id)).orderBy(['order_id', 'line']);
  const byOrder = new Map<string, ItemRow[]>();
  for (const item of items) byOrder.set(item.order_id, [...(byOrder.get(item.order_id) ?? []), item]);
  return rows.map((row) => ({
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    cancellationReason: row.cancellation_reason,
    items: (byOrder.get(row.id) ?? []).map((i) => ({ sku: i.sku, quantity: i.quantity, unitPrice: { amount: Number(i.unit_price_amount), currency: i.currency.trim() } })),
    total: { amount: Number(row.total_amount), currency: row.currency.trim() },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

/** The order, locked for the rest of the transaction: transitions of one order never interleave. */
export async function lockOrder(trx: Knex.Transaction, id: string): Promise<Order | undefined> {
  const row = await trx<OrderRow>('orders').where({ id }).forUpdate().first();
  if (!row) return undefined;
  const [order] = await withItems(trx, [row]);
  return order;
}

export async function saveStatus(trx: Knex.Transaction, order: Order): Promise<void> {
  await trx('orders').where({ id: order.id }).update({ status: order.status, cancellation_reason: order.cancellationReason, updated_at: order.updatedAt });
}

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

export async function findStatus(db: Knex | Knex.Transaction, id: string): Promise<{ customerId: string; status: OrderStatus; cancellationReason: string | null; updatedAt: Date } | undefined> {
  const row = await db('orders').where({ id }).first('customer_id', 'status', 'cancellation_reason', 'updated_at');
  return row && { customerId: row.customer_id as string, status: row.status as OrderStatus, cancellationReason: row.cancellation_reason as string | null, updatedAt: row.updated_at as Date };
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
