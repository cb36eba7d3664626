import type { OrderConfirmed, UnitOfWork } from '@order-platform/shared';
import { commitOrderStock } from '../data/reservations-repository.js';
import { checkWritten, decideCommit, decidedStatus } from './reservation.js';

/** A confirmed order's reserved units become sold. Anything but a live reservation changes nothing. One statement decides and writes. */
export async function commitReservation(order: OrderConfirmed, { trx, now }: UnitOfWork): Promise<void> {
  const { found, written } = await commitOrderStock(trx, order.orderId, now);
  checkWritten(order.orderId, decidedStatus(decideCommit(found)), written);
}
