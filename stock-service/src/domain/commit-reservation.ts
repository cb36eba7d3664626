import type { OrderConfirmed, UnitOfWork } from '@order-platform/shared';
import { commitOrderStock, settleReservationWrite } from '../data/reservations-repository.js';
import { checkWritten, decideCommit, decidedStatus } from './reservation.js';
import { heldReservation, keepReservation } from './settle-reservations.js';

/**
 * A confirmed order's reserved units become sold. Anything but a live reservation changes
 * nothing. In a batch of the consumer loop, the decision is made on the reservation its prefetch
 * locked (`prefetchSettling`) and its write sent with the COMMIT; elsewhere one statement decides
 * and writes.
 */
export async function commitReservation(order: OrderConfirmed, uow: UnitOfWork): Promise<void> {
  const { trx, now } = uow;
  const held = heldReservation(order.orderId, uow);
  if (held !== undefined) {
    const decision = decideCommit(held ?? undefined);
    if (!decision) return;
    uow.send(settleReservationWrite(order.orderId, 'committed', decision.movements, now));
    keepReservation({ ...held!, status: 'committed' }, uow);
    return;
  }
  const { found, written } = await commitOrderStock(trx, order.orderId, now);
  checkWritten(order.orderId, decidedStatus(decideCommit(found)), written);
}
