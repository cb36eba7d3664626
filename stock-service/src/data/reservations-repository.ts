import type { Knex, StockLine } from '@order-platform/shared';
import type { Product } from '../domain/product.js';
import type { Reservation, ReservationStatus, StockMovement } from '../domain/reservation.js';
import { productFromJson } from './products-repository.js';

// Every statement here that locks products locks them in sku order (the `locked` CTE, sorted
// before its rows are locked), so concurrent reservations wait for each other instead of
// deadlocking. Each handler costs two statements, whatever the number of lines.

/**
 * For a new order: its products, locked for the rest of the transaction, and the status of a
 * reservation the order has already (a redelivery, or a cancel that came first), in one statement.
 */
export async function lockOrderStock(trx: Knex.Transaction, orderId: string, skus: string[]): Promise<{ existing: ReservationStatus | undefined; products: Map<string, Product> }> {
  const result = await trx.raw<{ rows: { existing: ReservationStatus | null; products: Parameters<typeof productFromJson>[0][] }[] }>(
    `with locked as materialized (select * from products where sku = any(?::text[]) order by sku for update)
     select (select status from reservations where order_id = ?) as existing,
            coalesce((select json_agg(locked) from locked), '[]') as products`,
    [[...new Set(skus)], orderId],
  );
  const row = result.rows[0]!;
  return { existing: row.existing ?? undefined, products: new Map(row.products.map((p) => [p.sku, productFromJson(p)])) };
}

/** The reservation of an order with its lines, locked for the rest of the transaction. */
export async function lockReservation(trx: Knex.Transaction, orderId: string): Promise<Reservation | undefined> {
  const result = await trx.raw<{ rows: { status: ReservationStatus; lines: StockLine[] }[] }>(
    `select r.status, coalesce((select json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity) order by l.sku)
                                from reservation_lines l where l.order_id = r.order_id), '[]') as lines
     from reservations r where r.order_id = ? for update`,
    [orderId],
  );
  const row = result.rows[0];
  return row && ({ orderId, status: row.status, lines: row.lines } as Reservation);
}

/**
 * Inserts the reservation with its lines and moves its stock, in one statement, unless the order
 * has a reservation already: then nothing is written and it returns false (another transaction
 * got there first).
 */
export async function insertReservation(trx: Knex.Transaction, reservation: Reservation, movements: StockMovement[], now: Date): Promise<boolean> {
  const moved = movedStock(movements, now, 'exists (select 1 from inserted)');
  const result = await trx.raw<{ rows: unknown[] }>(
    `with inserted as (
       insert into reservations (order_id, status, created_at, updated_at) values (?, ?, ?, ?)
       on conflict (order_id) do nothing returning order_id
     ),
     lines as (
       insert into reservation_lines (order_id, sku, quantity)
       select inserted.order_id, l.sku, l.quantity from inserted, unnest(?::text[], ?::int[]) as l(sku, quantity)
     ),
     ${moved.sql}
     select 1 from inserted`,
    [reservation.orderId, reservation.status, now, now, reservation.lines.map((l) => l.sku), reservation.lines.map((l) => l.quantity), ...moved.bindings],
  );
  return result.rows.length === 1;
}

/** Sets the status of a (locked) reservation and moves its stock, in one statement. */
export async function settleReservation(trx: Knex.Transaction, orderId: string, status: ReservationStatus, movements: StockMovement[], now: Date): Promise<void> {
  const moved = movedStock(movements, now, 'true');
  await trx.raw(`with ${moved.sql} update reservations set status = ?, updated_at = ? where order_id = ?`, [...moved.bindings, status, now, orderId]);
}

/** CTEs `locked` and `moved`: adds each movement to its product's counts, when `condition` holds. */
function movedStock(movements: StockMovement[], now: Date, condition: string): { sql: string; bindings: Knex.RawBinding[] } {
  return {
    sql: `locked as materialized (select sku from products where sku = any(?::text[]) and ${condition} order by sku for update),
     moved as (
       update products p
       set available = p.available + m.available, reserved = p.reserved + m.reserved, sold = p.sold + m.sold, updated_at = ?
       from (select sku, sum(available) as available, sum(reserved) as reserved, sum(sold) as sold
             from unnest(?::text[], ?::int[], ?::int[], ?::int[]) as u(sku, available, reserved, sold) group by sku) m
       where p.sku = m.sku and p.sku in (select sku from locked)
     )`,
    bindings: [
      movements.map((m) => m.sku),
      now,
      movements.map((m) => m.sku),
      movements.map((m) => m.available),
      movements.map((m) => m.reserved),
      movements.map((m) => m.sold),
    ],
  };
}

/** An order's reservation as it stands, with its lines, for the admin records; undefined if the order was never heard of. */
export async function findReservation(db: Knex, orderId: string): Promise<{ status: ReservationStatus; lines: StockLine[]; createdAt: Date; updatedAt: Date } | undefined> {
  const row = await db('reservations').where({ order_id: orderId }).first('status', 'created_at', 'updated_at');
  if (!row) return undefined;
  const lines = await db('reservation_lines').where({ order_id: orderId }).orderBy('sku').select('sku', 'quantity');
  return { status: row.status, lines, createdAt: row.created_at, updatedAt: row.updated_at };
}
