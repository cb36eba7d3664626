import type { HandlerContext, OrderConfirmed } from '@order-platform/shared';
import { lockProducts, saveStockLevels } from '../data/products-repository.js';
import { lockReservation, setReservationStatus } from '../data/reservations-repository.js';
import { commitLines } from './reservation.js';

/** A confirmed order's reserved units become sold. Anything but a live reservation changes nothing. */
export async function commitReservation(order: OrderConfirmed, { trx, now }: HandlerContext): Promise<void> {
  const reservation = await lockReservation(trx, order.orderId);
  if (reservation?.status !== 'reserved') return;
  const products = await lockProducts(trx, reservation.lines.map((l) => l.sku));
  await saveStockLevels(trx, commitLines(reservation.lines, products, now));
  await setReservationStatus(trx, order.orderId, 'committed', now);
}
