import type { OrderCancelled, UnitOfWork } from '@order-platform/shared';
import { releaseOrderStock, settleReservationWrite, tombstoneWrite } from '../data/reservations-repository.js';
import { checkWritten, decidedStatus, decideRelease, type ReleaseDecision } from './reservation.js';
import { heldReservation, keepReservation } from './settle-reservations.js';

/**
 * A cancelled order gives its stock back: a reservation is released, sold units are
 * restocked. A cancel that arrives before the order leaves a tombstone, so the late
 * orders.created reserves nothing. In a batch of the consumer loop, the decision is made on the
 * reservation its prefetch locked (`prefetchSettling`) and its write sent with the COMMIT;
 * elsewhere one statement decides and writes, and the decision on the reservation it found
 * names the event.
 */
export async function releaseReservation(order: OrderCancelled, uow: UnitOfWork): Promise<void> {
  const { trx, now } = uow;
  const held = heldReservation(order.orderId, uow);
  if (held !== undefined) {
    const decision = decideRelease(order.orderId, held ?? undefined);
    if (!decision) return;
    if (decision.kind === 'tombstone') {
      uow.send(tombstoneWrite(order.orderId, now));
      keepReservation(decision.reservation, uow);
      return;
    }
    uow.send(settleReservationWrite(order.orderId, decision.mode, decision.movements, now));
    keepReservation({ orderId: order.orderId, status: decision.mode, lines: decision.lines }, uow);
    announce(order, decision, uow);
    return;
  }
  const { found, written } = await releaseOrderStock(trx, order.orderId, now);
  const decision = decideRelease(order.orderId, found);
  checkWritten(order.orderId, decidedStatus(decision), written);
  if (decision?.kind === 'give_back') announce(order, decision, uow);
}

function announce(order: OrderCancelled, { mode, lines }: Extract<ReleaseDecision, { kind: 'give_back' }>, { outbox, now }: UnitOfWork): void {
  outbox.add('stock.released', { subject: order.orderId, data: { orderId: order.orderId, items: lines, mode, releasedAt: now.toISOString() } });
}
