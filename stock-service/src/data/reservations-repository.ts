import { type Knex, type StockLine, runStatement, type Statement, type Write } from '@order-platform/shared';
import type { Product } from '../domain/product.js';
import type { Reservation, ReservationStatus, StockMovement } from '../domain/reservation.js';
import { productFromJson } from './products-repository.js';

// Each order event costs one statement (issue 10: one round trip where several did the work of
// one), prepared by name on the handler's transaction. The statement locks what it reads, writes
// by the reservation's rule (the same rule as the pure decisions in domain/reservation.ts) and
// answers the state it found and the status it wrote: the use case decides on that state for its
// events and checks that the decision and the write agree (`checkWritten`).
//
// Every statement here locks products in sku order (a `locked` CTE, sorted before its rows are
// locked; the products' update reads it, so it locks a row before the update reaches it), so
// concurrent writers wait for each other instead of deadlocking. Stock is saved as increments on
// the locked rows, which hold the levels as they are now (not as the statement's snapshot saw them).

/** CTE `moved`: adds each of `moves` (sku, available, reserved, sold) to its product's counts; `locked` must hold the rows. */
const MOVED = `moved as (
    update products p set available = p.available + m.available, reserved = p.reserved + m.reserved, sold = p.sold + m.sold, updated_at = $2
    from moves m where p.sku = m.sku and p.sku in (select sku from locked)
  )`;

/** CTEs `found` (an order's reservation, locked) and `lines` (its lines): $1 is the order's id. */
const FOUND = `found as materialized (select status from reservations where order_id = $1 for update),
  lines as (select sku, quantity from reservation_lines where order_id = $1)`;

/** The answer of a statement that starts with FOUND and ends with CTE `written` (the status it wrote, if any). */
const FOUND_AND_WRITTEN = `select (select status from found) as found, (select status from written) as written,
    coalesce((select json_agg(json_build_object('sku', sku, 'quantity', quantity) order by sku) from lines), '[]') as lines`;

// orders.created: $1 order, $2 now, $3 skus, $4 quantities. All lines or none: every product
// exists, is active and has the units (decideReservation); an order seen before writes nothing.
const reserve = {
  name: 'stock-reserve',
  text: `with locked as materialized (select * from products where sku = any($3::text[]) order by sku for update),
  existing as (select status from reservations where order_id = $1),
  order_lines as (select * from unnest($3::text[], $4::int[]) as l(sku, quantity)),
  verdict as (
    select case when coalesce(bool_and(coalesce(p.active and p.available >= l.quantity, false)), true) then 'reserved' else 'rejected' end as status
    from order_lines l left join locked p on p.sku = l.sku
  ),
  written as (
    insert into reservations (order_id, status, created_at, updated_at) select $1::text, status, $2::timestamptz, $2::timestamptz from verdict
    on conflict (order_id) do nothing returning status
  ),
  written_lines as (insert into reservation_lines (order_id, sku, quantity) select $1::text, l.sku, l.quantity from written, order_lines l),
  moves as (
    select sku, -sum(quantity)::int as available, sum(quantity)::int as reserved, 0 as sold from order_lines
    where exists (select 1 from written where status = 'reserved') group by sku
  ),
  ${MOVED}
  select (select status from existing) as existing, (select status from written) as written, coalesce((select json_agg(locked) from locked), '[]') as products`,
};

// orders.confirmed: $1 order, $2 now. A live reservation is committed: its units, reserved, become sold (decideCommit).
const commit = {
  name: 'stock-commit',
  text: `with ${FOUND},
  written as (
    update reservations r set status = 'committed', updated_at = $2 from found
    where r.order_id = $1 and found.status = 'reserved' returning r.status
  ),
  moves as (select sku, 0 as available, -quantity as reserved, quantity as sold from lines where exists (select 1 from written)),
  locked as materialized (select sku from products where sku in (select sku from moves) order by sku for update),
  ${MOVED}
  ${FOUND_AND_WRITTEN}`,
};

// orders.cancelled: $1 order, $2 now. A reservation is released, a committed one restocked (its
// units go back to available); an order never seen gets a tombstone (decideRelease).
const release = {
  name: 'stock-release',
  text: `with ${FOUND},
  tombstone as (
    insert into reservations (order_id, status, created_at, updated_at) select $1::text, 'cancelled', $2::timestamptz, $2::timestamptz where not exists (select 1 from found)
    on conflict (order_id) do nothing returning status
  ),
  given_back as (
    update reservations r set status = case found.status when 'reserved' then 'released' else 'restocked' end, updated_at = $2 from found
    where r.order_id = $1 and found.status in ('reserved', 'committed') returning r.status
  ),
  written as (select status from tombstone union all select status from given_back),
  moves as (
    select l.sku, l.quantity as available, case g.status when 'released' then -l.quantity else 0 end as reserved,
      case g.status when 'restocked' then -l.quantity else 0 end as sold
    from lines l, given_back g
  ),
  locked as materialized (select sku from products where sku in (select sku from moves) order by sku for update),
  ${MOVED}
  ${FOUND_AND_WRITTEN}`,
};

// orders.created of a whole batch, ahead of its handlers (their prefetch): $1 the orders, $2
// every sku of their lines. Locks the products (in sku order) and reads them with the orders'
// reservations, if any: what each handler decides on, the later ones on what the earlier did.
const lockForReserving = {
  name: 'stock-lock-for-reserving',
  text: `with locked as materialized (select * from products where sku = any($2::text[]) order by sku for update)
  select coalesce((select json_agg(locked) from locked), '[]') as products,
    coalesce((select json_agg(json_build_object('order_id', order_id, 'status', status)) from reservations where order_id = any($1::text[])), '[]') as reservations`,
};

// orders.created decided (domain/reservation.ts) on the rows the batch locked: $1 order, $2 status,
// $3 now, $4/$5 its lines, $6–$9 the movements (the products are locked already, by the prefetch).
// No conflict is expected (whoever records the order locks its products first): one would fail
// the message, which is retried.
const recordReservation = {
  name: 'stock-record-reservation',
  text: `with written as (insert into reservations (order_id, status, created_at, updated_at) values ($1, $2, $3, $3) returning status),
  written_lines as (insert into reservation_lines (order_id, sku, quantity) select $1::text, l.sku, l.quantity from written, unnest($4::text[], $5::int[]) as l(sku, quantity)),
  moves as (
    select sku, sum(available)::int as available, sum(reserved)::int as reserved, sum(sold)::int as sold
    from unnest($6::text[], $7::int[], $8::int[], $9::int[]) as m(sku, available, reserved, sold) group by sku
  ),
  moved as (
    update products p set available = p.available + m.available, reserved = p.reserved + m.reserved, sold = p.sold + m.sold, updated_at = $3
    from moves m where p.sku = m.sku
  )
  select status from written`,
};

/**
 * The products of `skus`, locked, and the reservations of `orderIds` that exist: one statement
 * for a batch of orders.created (see `recordReservationWrite`).
 */
export async function lockForReservations(trx: Knex.Transaction, orderIds: readonly string[], skus: readonly string[]): Promise<{ products: Map<string, Product>; reservations: Map<string, ReservationStatus> }> {
  const [row] = await runStatement<{ products: Parameters<typeof productFromJson>[0][]; reservations: { order_id: string; status: ReservationStatus }[] }>(trx, lockForReserving, [orderIds, skus]);
  return { products: new Map(row!.products.map((p) => [p.sku, productFromJson(p)])), reservations: new Map(row!.reservations.map((r) => [r.order_id, r.status])) };
}

/** Records an order's reservation as decided, with its lines and its products' movements: a write to send (`UnitOfWork.send`). */
export function recordReservationWrite(orderId: string, status: 'reserved' | 'rejected', lines: StockLine[], movements: StockMovement[], now: Date): Write {
  return {
    ...recordReservation,
    values: [orderId, status, now, lines.map((l) => l.sku), lines.map((l) => l.quantity), movements.map((m) => m.sku), movements.map((m) => m.available), movements.map((m) => m.reserved), movements.map((m) => m.sold)],
  };
}

// orders.confirmed and orders.cancelled of a whole batch, ahead of their handlers (their
// prefetch): $1 the orders, $2 every sku of their lines. Locks the products (in sku order) and the
// orders' reservations, and reads the reservations with their lines.
const lockForSettling = {
  name: 'stock-lock-for-settling',
  text: `with locked as materialized (select sku from products where sku = any($2::text[]) order by sku for update),
  found as materialized (select order_id, status from reservations where order_id = any($1::text[]) order by order_id for update)
  select (select count(*) from locked)::int as products,
    coalesce((select json_agg(json_build_object('order_id', f.order_id, 'status', f.status, 'lines',
      coalesce((select json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity) order by l.sku) from reservation_lines l where l.order_id = f.order_id), '[]')))
    from found f), '[]') as reservations`,
};

// orders.confirmed or orders.cancelled decided (domain/reservation.ts) on the reservation the
// batch locked: $1 order, $2 its status now, $3 now, $4–$7 the movements. The reservation was
// locked by the prefetch and cannot have gone; if it had, the division by its count fails the
// write (and the message is retried) rather than announce what was not written.
const settleReservation = {
  name: 'stock-settle-reservation',
  text: `with given as (update reservations set status = $2, updated_at = $3 where order_id = $1 returning status),
  moves as (
    select sku, sum(available)::int as available, sum(reserved)::int as reserved, sum(sold)::int as sold
    from unnest($4::text[], $5::int[], $6::int[], $7::int[]) as m(sku, available, reserved, sold) group by sku
  ),
  moved as (
    update products p set available = p.available + m.available, reserved = p.reserved + m.reserved, sold = p.sold + m.sold, updated_at = $3
    from moves m where p.sku = m.sku and exists (select 1 from given)
  )
  select 1 / (select count(*) from given)::int as written`,
};

// orders.cancelled before its order: the tombstone ($1 order, $2 now). The batch found no
// reservation under its locks: another one would fail the insert, and the message be retried.
const recordTombstone = {
  name: 'stock-record-tombstone',
  text: `insert into reservations (order_id, status, created_at, updated_at) values ($1, 'cancelled', $2, $2)`,
};

/** The reservations of `orderIds` that exist, locked, with their lines, the products of `skus` locked first: one statement for a batch (see `settleReservationWrite`). */
export async function lockForSettlement(trx: Knex.Transaction, orderIds: readonly string[], skus: readonly string[]): Promise<Map<string, Reservation>> {
  const [row] = await runStatement<{ reservations: { order_id: string; status: ReservationStatus; lines: StockLine[] }[] }>(trx, lockForSettling, [orderIds, skus]);
  return new Map(row!.reservations.map((r) => [r.order_id, { orderId: r.order_id, status: r.status, lines: r.status === 'cancelled' ? [] : r.lines } as Reservation]));
}

/** Moves an order's reservation to `status`, with its products' movements: a write to send (`UnitOfWork.send`). */
export function settleReservationWrite(orderId: string, status: ReservationStatus, movements: StockMovement[], now: Date): Write {
  return { ...settleReservation, values: [orderId, status, now, movements.map((m) => m.sku), movements.map((m) => m.available), movements.map((m) => m.reserved), movements.map((m) => m.sold)] };
}

/** Records the tombstone of an order cancelled before it came: a write to send (`UnitOfWork.send`). */
export function tombstoneWrite(orderId: string, now: Date): Write {
  return { ...recordTombstone, values: [orderId, now] };
}

/** What a statement on an order's reservation found (locked) and the status it wrote (undefined: nothing). */
export interface ReservationWrite {
  found: Reservation | undefined;
  written: ReservationStatus | undefined;
}

/**
 * orders.created, in one statement: locks the order's products, and, unless the order has a
 * reservation already (`existing`), records its reservation with its lines, `reserved` (its
 * units moved from available to reserved) or `rejected`. Answers the products as they were before.
 */
export async function reserveOrderStock(
  trx: Knex.Transaction,
  orderId: string,
  lines: StockLine[],
  now: Date,
): Promise<{ existing: ReservationStatus | undefined; products: Map<string, Product>; written: ReservationStatus | undefined }> {
  const values = [orderId, now, lines.map((l) => l.sku), lines.map((l) => l.quantity)];
  const [row] = await runStatement<{ existing: ReservationStatus | null; written: ReservationStatus | null; products: Parameters<typeof productFromJson>[0][] }>(trx, reserve, values);
  return { existing: row!.existing ?? undefined, products: new Map(row!.products.map((p) => [p.sku, productFromJson(p)])), written: row!.written ?? undefined };
}

/** orders.confirmed, in one statement: commits the order's reservation when it is `reserved`. */
export function commitOrderStock(trx: Knex.Transaction, orderId: string, now: Date): Promise<ReservationWrite> {
  return settle(trx, commit, orderId, now);
}

/** orders.cancelled, in one statement: gives back what the order's reservation holds, or leaves a tombstone when there is none. */
export function releaseOrderStock(trx: Knex.Transaction, orderId: string, now: Date): Promise<ReservationWrite> {
  return settle(trx, release, orderId, now);
}

async function settle(trx: Knex.Transaction, statement: Statement, orderId: string, now: Date): Promise<ReservationWrite> {
  const [row] = await runStatement<{ found: ReservationStatus | null; written: ReservationStatus | null; lines: StockLine[] }>(trx, statement, [orderId, now]);
  const found = row!.found ? ({ orderId, status: row!.found, lines: row!.lines } as Reservation) : undefined;
  return { found, written: row!.written ?? undefined };
}

/** An order's reservation as it stands, with its lines, for the admin records; undefined if the order was never heard of. */
export async function findReservation(db: Knex, orderId: string): Promise<{ status: ReservationStatus; lines: StockLine[]; createdAt: Date; updatedAt: Date } | undefined> {
  const row = await db('reservations').where({ order_id: orderId }).first('status', 'created_at', 'updated_at');
  if (!row) return undefined;
  const lines = await db('reservation_lines').where({ order_id: orderId }).orderBy('sku').select('sku', 'quantity');
  return { status: row.status, lines, createdAt: row.created_at, updatedAt: row.updated_at };
}
