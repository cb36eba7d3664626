import type { Knex, StockLine } from '@order-platform/shared';
import type { Reservation, ReservationStatus } from '../domain/reservation.js';

/** The reservation of an order, locked for the rest of the transaction. */
export async function lockReservation(trx: Knex.Transaction, orderId: string): Promise<Reservation | undefined> {
  const row = await trx('reservations').where({ order_id: orderId }).forUpdate().first<{ status: ReservationStatus } | undefined>();
  if (!row) return undefined;
  const lines = await trx('reservation_lines').where({ order_id: orderId }).orderBy('sku').select<StockLine[]>('sku', 'quantity');
  return { orderId, status: row.status, lines };
}

/** Inserts the reservation unless one exists; returns false when another transaction got there first. */
export async function insertReservation(trx: Knex.Transaction, reservation: Reservation, now: Date): Promise<boolean> {
  const inserted = await trx('reservations')
    .insert({ order_id: reservation.orderId, status: reservation.status, created_at: now, updated_at: now })
    .onConflict('order_id')
    .ignore()
    .returning('order_id');
  if (inserted.length === 0) return false;
  if (reservation.lines.length) await trx('reservation_lines').insert(reservation.lines.map((l) => ({ order_id: reservation.orderId, sku: l.sku, quantity: l.quantity })));
  return true;
}

export async function setReservationStatus(trx: Knex.Transaction, orderId: string, status: ReservationStatus, now: Date): Promise<void> {
  await trx('reservations').where({ order_id: orderId }).update({ status, updated_at: now });
}
