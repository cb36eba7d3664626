import { AppError, type HandlerContext, type OrderCancelled } from '@order-platform/shared';
import { insertReservation, lockReservation, settleReservation } from '../data/reservations-repository.js';
import { returnMovements } from './reservation.js';

/**
 * A cancelled order gives its stock back: a reservation is released, sold units are
 * restocked. A cancel that arrives before the order leaves a tombstone, so the late
 * orders.created reserves nothing.
 */
export async function releaseReservation(order: OrderCancelled, { trx, outbox, now }: HandlerContext): Promise<void> {
  const reservation = await lockReservation(trx, order.orderId);
  if (!reservation) {
    if (!(await insertReservation(trx, { orderId: order.orderId, status: 'cancelled', lines: [] }, [], now))) {
      throw new AppError('transient', `order ${order.orderId} was handled concurrently; retrying`);
    }
    return;
  }
  if (reservation.status !== 'reserved' && reservation.status !== 'committed') return;
  const mode = reservation.status === 'reserved' ? 'released' : 'restocked';
  await settleReservation(trx, order.orderId, mode, returnMovements(reservation.status, reservation.lines), now);
  await outbox.add('stock.released', { subject: order.orderId, data: { orderId: order.orderId, items: reservation.lines, mode, releasedAt: now.toISOString() } });
}
