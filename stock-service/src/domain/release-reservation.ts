import type { OrderCancelled, UnitOfWork } from '@order-platform/shared';
import { releaseOrderStock } from '../data/reservations-repository.js';
import { checkWritten, decidedStatus, decideRelease } from './reservation.js';

/**
 * A cancelled order gives its stock back: a reservation is released, sold units are
 * restocked. A cancel that arrives before the order leaves a tombstone, so the late
 * orders.created reserves nothing. One statement decides and writes; the decision on the
 * reservation it found names the event.
 */
export async function releaseReservation(order: OrderCancelled, { trx, outbox, now }: UnitOfWork): Promise<void> {
  const { found, written } = await releaseOrderStock(trx, order.orderId, now);
  const decision = decideRelease(order.orderId, found);
  checkWritten(order.orderId, decidedStatus(decision), written);
  if (decision?.kind !== 'give_back') return;
  const { mode, lines } = decision;
  outbox.add('stock.released', { subject: order.orderId, data: { orderId: order.orderId, items: lines, mode, releasedAt: now.toISOString() } });
}
