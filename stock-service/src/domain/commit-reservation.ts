import type { HandlerContext, OrderConfirmed } from '@order-platform/shared';
import { lockReservation, settleReservation } from '../data/reservations-repository.js';
import { commitMovements } from './reservation.js';

/** A confirmed order's reserved units become sold. Anything but a live reservation changes nothing. */
export async function commitReservation(order: OrderConfirmed, { trx, now }: HandlerContext): Promise<void> {
  const reservation = await lockReservation(trx, order.orderId);
  if (reservation?.status !== 'reserved') return;
  await settleReservation(trx, order.orderId, 'committed', commitMovements(reservation.lines), now);
}
