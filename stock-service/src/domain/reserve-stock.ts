import type { OrderCreated, PrefetchedKind, StockLine, UnitOfWork } from '@order-platform/shared';
import { lockForReservations, recordReservationWrite, reserveOrderStock } from '../data/reservations-repository.js';
import type { Product } from './product.js';
import { checkWritten, decidedStatus, decideReserve, moved, type ReservationStatus, type ReserveDecision } from './reservation.js';

/**
 * Reserves every line of a new order in one transaction, or none: publishes stock.reserved,
 * or stock.rejected with the short or unavailable lines. An order seen before (including one
 * cancelled before it arrived here) changes nothing.
 *
 * In a batch of the consumer loop, the batch's prefetch (`prefetchReserving`) has locked and
 * read its orders' products and reservations with one statement: the decision is made on them
 * and its write sent without waiting (it goes out with the batch's COMMIT), and what it changed
 * is kept for the batch's later orders. Elsewhere (a message run alone, with savepoints, by a
 * hook or a replay) one statement locks the products, decides and writes; the decision on the
 * products it locked (their levels before) names the events.
 */
export async function reserveStock(order: OrderCreated, uow: UnitOfWork): Promise<void> {
  const { trx, now } = uow;
  const lines = order.items.map(({ sku, quantity }) => ({ sku, quantity }));
  const held = heldFor(order.orderId, lines, uow);
  if (held) {
    const decision = decideReserve(held.existing, lines, held.products, now);
    if (!decision) return;
    uow.send(recordReservationWrite(order.orderId, decision.kind, lines, decision.kind === 'reserved' ? decision.movements : [], now));
    keep(order.orderId, decision, held.products, uow);
    announce(order, lines, decision, uow);
    return;
  }
  const { existing, products, written } = await reserveOrderStock(trx, order.orderId, lines, now);
  const decision = decideReserve(existing, lines, products, now);
  checkWritten(order.orderId, decidedStatus(decision), written);
  if (decision) announce(order, lines, decision, uow);
}

function announce(order: OrderCreated, lines: StockLine[], decision: ReserveDecision, { outbox, now }: UnitOfWork): void {
  if (decision.kind === 'rejected') {
    outbox.add('stock.rejected', { subject: order.orderId, data: { orderId: order.orderId, reason: decision.reason, lines: decision.lines, rejectedAt: now.toISOString() } });
    return;
  }
  outbox.add('stock.reserved', { subject: order.orderId, data: { orderId: order.orderId, items: lines, reservedAt: now.toISOString() } });
  for (const p of decision.low) {
    outbox.add('stock.low', { subject: p.sku, data: { sku: p.sku, name: p.name, available: p.available, threshold: p.lowStockThreshold, detectedAt: now.toISOString() } });
  }
}

/** Products locked and read ahead of a batch's orders.created, by sku (null: no such product). */
const lockedProducts: PrefetchedKind<Product | null> = { name: 'products' };
/** The batch's orders' reservation statuses (null: none yet). */
const reservationStatuses: PrefetchedKind<ReservationStatus | null> = { name: 'reservation-statuses' };

/**
 * orders.created's prefetch: locks, in one statement sent behind the batch's own first, the
 * products of every line of the batch's orders and reads them with the orders' reservations.
 */
export async function prefetchReserving(orders: readonly OrderCreated[], { trx, prefetched }: UnitOfWork): Promise<void> {
  const orderIds = [...new Set(orders.map((o) => o.orderId))];
  const skus = [...new Set(orders.flatMap((o) => o.items.map((line) => line.sku)))].sort();
  if (orderIds.length === 0) return;
  const { products, reservations } = await lockForReservations(trx, orderIds, skus);
  for (const sku of skus) prefetched.add(lockedProducts, sku, products.get(sku) ?? null);
  for (const id of orderIds) prefetched.add(reservationStatuses, id, reservations.get(id) ?? null);
}

/** What the prefetch holds for this order: its reservation's status and every product of its lines; undefined unless all of it. */
function heldFor(orderId: string, lines: StockLine[], { prefetched }: UnitOfWork): { existing: ReservationStatus | undefined; products: Map<string, Product> } | undefined {
  const existing = prefetched.get(reservationStatuses, orderId);
  if (existing === undefined) return undefined;
  const products = new Map<string, Product>();
  for (const { sku } of lines) {
    const product = prefetched.get(lockedProducts, sku);
    if (product === undefined) return undefined;
    if (product) products.set(sku, product);
  }
  return { existing: existing ?? undefined, products };
}

/** The order's status and its products' levels as the decision left them, for the batch's later orders. */
function keep(orderId: string, decision: ReserveDecision, products: Map<string, Product>, { prefetched, now }: UnitOfWork): void {
  prefetched.update(reservationStatuses, orderId, decision.kind);
  if (decision.kind !== 'reserved') return;
  const after = new Map(products);
  for (const m of decision.movements) after.set(m.sku, moved(after.get(m.sku)!, m, now));
  for (const [sku, product] of after) prefetched.update(lockedProducts, sku, product);
}
