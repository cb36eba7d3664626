import type { OrderLine, PrefetchedKind, UnitOfWork } from '@order-platform/shared';
import { lockForSettlement } from '../data/reservations-repository.js';
import type { Reservation } from './reservation.js';

/** Reservations locked and read ahead of a batch of orders.confirmed or orders.cancelled, by order (null: none). */
const lockedReservations: PrefetchedKind<Reservation | null> = { name: 'reservations' };

/**
 * orders.confirmed's and orders.cancelled's prefetch: locks, in one statement sent behind the
 * batch's own first, the products of every line of the batch's orders (in sku order) and the
 * orders' reservations, and reads those with their lines.
 */
export async function prefetchSettling(orders: readonly { orderId: string; items: OrderLine[] }[], { trx, prefetched }: UnitOfWork): Promise<void> {
  const orderIds = [...new Set(orders.map((o) => o.orderId))];
  if (orderIds.length === 0) return;
  const skus = [...new Set(orders.flatMap((o) => o.items.map((line) => line.sku)))].sort();
  const found = await lockForSettlement(trx, orderIds, skus);
  for (const id of orderIds) prefetched.add(lockedReservations, id, found.get(id) ?? null);
}

/** The order's reservation as the prefetch holds it: null for none, undefined when not prefetched (the use case reads it itself). */
export function heldReservation(orderId: string, { prefetched }: UnitOfWork): Reservation | null | undefined {
  return prefetched.get(lockedReservations, orderId);
}

/** The reservation as a decision left it, for the batch's later events of the order. */
export function keepReservation(reservation: Reservation, { prefetched }: UnitOfWork): void {
  prefetched.update(lockedReservations, reservation.orderId, reservation);
}
