import type { OrderConfirmed, UnitOfWork } from '@order-platform/shared';
import { lockReservation, settleReservation } from '../data/reservations-repository.js';
import { decideCommit } from './reservation.js';

/** A confirmed order's reserved units become sold. Anything but a live reservation changes nothing. */
export async function commitReservation(order: OrderConfirmed, { trx, now }: UnitOfWork): Promise<void> {
  const decision = decideCommit(await lockReservation(trx, order.orderId));
  if (!decision) return;
  await settleReservation(trx, order.orderId, 'committed', decision.movements, now);
}
