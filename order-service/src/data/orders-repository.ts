import { insertOutboxRows, outboxColumns, outboxTriggerSilenced, type CancellationReason, type Knex, type PendingEvent, type Write } from '@order-platform/shared';
import { HISTORY_WATCHERS } from './history-feed.js';
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

export interface HistoryEntryInput {
  orderId: string;
  from: OrderStatus | null;
  to: OrderStatus;
  cause: string;
  causeId?: string | undefined;
  reason?: string | null;
  at: Date;
}

/**
 * The first answer to an Idempotency-Key, stored with the order. An expired record of the same
 * (principal, key), older than `notBefore`, is replaced; an unexpired one keeps the key taken.
 */
export interface IdempotencyClaim {
  principal: string;
  key: string;
  fingerprint: string;
  response: unknown;
  notBefore: Date;
}

/** A product an order was priced from, at the version it was read at. */
export interface PricedFrom {
  sku: string;
  version: number;
}

// Set by a statement that writes history entries whose writer notifies their watchers after the
// commit: the history trigger stays silent for the rest of the transaction (migration 010).
const historyNotifiedAfterCommit = `set_config('order_history.notified_after_commit', 'on', true) = 'on'`;

/** What `insertPlacedOrder` did: `repriced` when a product changed since its price was read (nothing written). */
export type PlacedOutcome = 'placed' | 'key_taken' | 'repriced';

/**
 * Inserts a new order, its lines, its first history entry and its events (the outbox rows) in
 * one statement: one round trip, atomic without a transaction of its own (the foreign keys are
 * checked at its end). It writes only while every product in `pricedFrom` still has the version
 * the order was priced at (the catalog, as this statement sees it): else nothing, `repriced`.
 * With a claim, the idempotency record goes in the same statement and the order only with it:
 * `key_taken`, having written nothing, when the key is taken (an unexpired record, or a
 * concurrent request that committed first). `notifiedAfterCommit`: the outbox's and the
 * history's triggers stay silent, and the caller wakes the relay once the order is placed (a
 * NOTIFY inside would serialize this commit with every other notifying one on the cluster, see
 * shared's CommitNotifier; no stream watches an order before its id is known); else they notify
 * at the commit.
 */
export async function insertPlacedOrder(
  db: Knex | Knex.Transaction,
  order: Order,
  history: HistoryEntryInput,
  events: readonly PendingEvent[],
  pricedFrom: readonly PricedFrom[],
  claim: IdempotencyClaim | undefined,
  { notifiedAfterCommit }: { notifiedAfterCommit: boolean },
): Promise<PlacedOutcome> {
  const keyed = claim
    ? `keyed as (
         insert into idempotency_keys (principal, key, fingerprint, order_id, response, created_at)
         select ?, ?, ?, ?, ?::jsonb, ? from priced where priced.current
         on conflict (principal, key) do update
           set fingerprint = excluded.fingerprint, order_id = excluded.order_id, response = excluded.response, created_at = excluded.created_at
           where idempotency_keys.created_at < ?
         returning 1
       ),`
    : '';
  const keyBindings = claim ? [claim.principal, claim.key, claim.fingerprint, order.id, JSON.stringify(claim.response), order.createdAt, claim.notBefore] : [];
  const result = await db.raw<{ rows: { id: string | null; current: boolean }[] }>(
    `with priced as (
       select count(*) = ? as current
       from catalog join unnest(?::text[], ?::int[]) as p(sku, version) on catalog.sku = p.sku and catalog.version = p.version
     ),
     ${keyed}
     placed as (
       insert into orders (id, customer_id, status, cancellation_reason, total_amount, currency, created_at, updated_at)
       select ?, ?, ?, ?, ?, ?, ?, ? from priced where priced.current ${claim ? 'and exists (select 1 from keyed)' : ''}
       returning id
     ),
     lines as (
       insert into order_items (order_id, line, sku, quantity, unit_price_amount, currency)
       select placed.id, l.line, l.sku, l.quantity, l.amount, l.currency
       from placed, unnest(?::int[], ?::text[], ?::int[], ?::bigint[], ?::text[]) as l(line, sku, quantity, amount, currency)
     ),
     history as (
       insert into order_history (order_id, from_status, to_status, cause, cause_id, reason, occurred_at)
       select placed.id, ?, ?, ?, ?, ?, ? from placed
     ),
     events as (${insertOutboxRows} where exists (select 1 from placed))
     select (select id from placed) as id, priced.current from priced
     ${notifiedAfterCommit ? `where ${outboxTriggerSilenced} and ${historyNotifiedAfterCommit}` : ''}`,
    [
      pricedFrom.length,
      pricedFrom.map((p) => p.sku),
      pricedFrom.map((p) => p.version),
      ...keyBindings,
      order.id, order.customerId, order.status, order.cancellationReason, order.total.amount, order.total.currency, order.createdAt, order.updatedAt,
      order.items.map((_, line) => line),
      order.items.map((item) => item.sku),
      order.items.map((item) => item.quantity),
      order.items.map((item) => item.unitPrice.amount),
      order.items.map((item) => item.unitPrice.currency),
      history.from, history.to, history.cause, history.causeId ?? null, history.reason ?? null, history.at,
      ...(outboxColumns(events) as Knex.RawBinding[]),
    ],
  );
  const [row] = result.rows;
  if (!row?.current) return 'repriced';
  return row.id ? 'placed' : 'key_taken';
}

const transition = {
  name: 'order-transition',
  text: `with saved as (update orders set status = $1, cancellation_reason = $2, updated_at = $3 where id = $4)
     insert into order_history (order_id, from_status, to_status, cause, cause_id, reason, occurred_at)
     select $5, $6, $7, $8, $9, $10, $11 where ${historyNotifiedAfterCommit}`,
};

/**
 * An order's new status and its history entry, as one statement: a write its use case sends
 * without waiting (`UnitOfWork.send`). The entry's trigger stays silent: the use case asks for
 * the notification after the commit (`UnitOfWork.notifyAfterCommit`).
 */
export function transitionWrite(order: Order, history: HistoryEntryInput): Write {
  return { ...transition, values: [order.status, order.cancellationReason, order.updatedAt, order.id, history.orderId, history.from, history.to, history.cause, history.causeId ?? null, history.reason ?? null, history.at] };
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
  /** an order id or a customer id, exact: each has its index (orders_pkey, orders_by_customer) */
  q?: string | undefined;
  limit: number;
  /** keyset position: orders strictly older than this (created_at desc, id desc) */
  after?: { createdAt: Date; id: string } | undefined;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listOrders(db: Knex, filter: OrderFilter): Promise<Order[]> {
  const query = db<OrderRow>('orders').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filter.limit);
  if (filter.customerId) void query.where('customer_id', filter.customerId);
  if (filter.status) void query.where('status', filter.status);
  const { q } = filter;
  if (q !== undefined) {
    // only a uuid can be an order id (the column is uuid); anything else is a customer id
    if (uuid.test(q)) void query.where((w) => void w.where('id', q).orWhere('customer_id', q));
    else void query.where('customer_id', q);
  }
  if (filter.after) void query.whereRaw('(created_at, id) < (?, ?)', [filter.after.createdAt, filter.after.id]);
  return withItems(db, await query);
}

async function withItems(db: Knex | Knex.Transaction, rows: OrderRow[]): Promise<Order[]> {
  if (rows.length === 0) return [];
  const items = await db<ItemRow>('order_items').whereIn('order_id', rows.map((r) => r.id)).orderBy(['order_id', 'line']);
  const byOrder = new Map<string, ItemRow[]>();
  for (const item of items) byOrder.set(item.order_id, [...(byOrder.get(item.order_id) ?? []), item]);
  return rows.map((row) =>
    toOrder(row, (byOrder.get(row.id) ?? []).map((i) => ({ sku: i.sku, quantity: i.quantity, unitPrice: { amount: Number(i.unit_price_amount), currency: i.currency.trim() } }))),
  );
}

function toOrder(row: OrderRow, items: Order['items']): Order {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    cancellationReason: row.cancellation_reason,
    items,
    total: { amount: Number(row.total_amount), currency: row.currency.trim() },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The order, locked for the rest of the transaction: transitions of one order never interleave.
 * Its lines come in the same statement (they never change after the order is placed).
 */
export async function lockOrder(trx: Knex.Transaction, id: string): Promise<Order | undefined> {
  const { orders } = await lockOrders(trx, [id], { tryWatchers: false });
  return orders[0];
}

/** The orders of `ids` that exist, as `lockOrder` has them, with one statement; locked in id order, as every caller locks many. */
export async function lockOrders(trx: Knex.Transaction, ids: readonly string[], { tryWatchers = true } = {}): Promise<{ orders: Order[]; unwatched: boolean }> {
  // `tryWatchers`: and tries its connection's slot of the history watchers' locks exclusively
  // (HISTORY_WATCHERS), once (an initplan), when an order is found; `unwatched`: it got it
  const result = await trx.raw<{ rows: (OrderRow & { items: ItemJson[]; unwatched: boolean })[] }>(
    `select o.*, coalesce((
       select json_agg(json_build_object('sku', i.sku, 'quantity', i.quantity, 'amount', i.unit_price_amount, 'currency', i.currency) order by i.line)
       from order_items i where i.order_id = o.id), '[]') as items,
       ${tryWatchers ? '(select pg_try_advisory_xact_lock(?, pg_backend_pid() % ?))' : 'false'} as unwatched
     from orders o where o.id = any(?::uuid[]) order by o.id for update`,
    [...(tryWatchers ? [HISTORY_WATCHERS.space, HISTORY_WATCHERS.slots] : []), [...ids]],
  );
  const orders = result.rows.map((row) => toOrder(row, row.items.map((i) => ({ sku: i.sku, quantity: i.quantity, unitPrice: { amount: Number(i.amount), currency: i.currency.trim() } }))));
  return { orders, unwatched: result.rows[0]?.unwatched === true };
}

/** Whether `id` can be an order id at all (the column is uuid: anything else is refused by Postgres). */
export function isOrderId(id: string): boolean {
  return uuid.test(id);
}

interface ItemJson {
  sku: string;
  quantity: number;
  amount: number;
  currency: string;
}

export async function findStatus(db: Knex | Knex.Transaction, id: string): Promise<{ customerId: string; status: OrderStatus; cancellationReason: string | null; updatedAt: Date } | undefined> {
  const row = await db('orders').where({ id }).first('customer_id', 'status', 'cancellation_reason', 'updated_at');
  return row && { customerId: row.customer_id as string, status: row.status as OrderStatus, cancellationReason: row.cancellation_reason as string | null, updatedAt: row.updated_at as Date };
}
