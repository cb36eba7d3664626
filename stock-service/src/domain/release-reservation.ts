import { AppError, type HandlerContext, type OrderCancelled } from '@order-platform/shared';
import { lockProducts, saveStockLevels } from '../data/products-repository.js';
import { insertReservation, lockReservation, setReservationStatus } from '../data/reservations-repository.js';
import { returnLines } from './reservation.js';

/**
 * A cancelled order gives its stock back: a reservation is released, sold units are
 * restocked. A cancel that arrives before the order leaves a tombstone, so the late
 * orders.created reserves nothing.
 */
export async function releaseReservation(order: OrderCancelled, { trx, outbox, now }: HandlerContext): Promise<void> {
  const reservation = await lockReservation(trx, order.orderId);
  if (!reservation) {
    if (!(await insertReservation(trx, { orderId: order.orderId, status: 'cancelled', lines: [] }, now))) {
      throw new AppError('transient', `order ${order.orderId} was handled concurrently; retrying`);
    }
    return;
  }
  if (reservation.status !== 'reserved' && reservation.status !== 'committed') return;
  const products = await lockProducts(trx, reservation.lines.map((l) => l.sku));
  await saveStockLevels(trx, returnLines(reservation.status, reservation.lines, products, now));
  const mode = reservation.status === 'reserved' ? 'released' : 'restocked';
  await setReservationStatus(trx, order.orderId, mode, now);
  await outbox.add('stock.released', { subject: order.orderId, data: { orderId: order.orderId, items: reservation.lines, mode, releasedAt: now.toISOString() } });
}
