import { AppError, type OrderCancelled, type UnitOfWork } from '@order-platform/shared';
import { insertReservation, lockReservation, settleReservation } from '../data/reservations-repository.js';
import { decideRelease } from './reservation.js';

/**
 * A cancelled order gives its stock back: a reservation is released, sold units are
 * restocked. A cancel that arrives before the order leaves a tombstone, so the late
 * orders.created reserves nothing.
 */
export async function releaseReservation(order: OrderCancelled, { trx, outbox, now }: UnitOfWork): Promise<void> {
  const decision = decideRelease(order.orderId, await lockReservation(trx, order.orderId));
  if (!decision) return;
  if (decision.kind === 'tombstone') {
    if (!(await insertReservation(trx, decision.reservation, [], now))) throw new AppError('transient', `order ${order.orderId} was handled concurrently; retrying`);
    return;
  }
  const { mode, lines } = decision;
  await settleReservation(trx, order.orderId, mode, decision.movements, now);
  outbox.add('stock.released', { subject: order.orderId, data: { orderId: order.orderId, items: lines, mode, releasedAt: now.toISOString() } });
}
