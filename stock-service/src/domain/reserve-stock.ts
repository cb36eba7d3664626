import { AppError, type OrderCreated, type UnitOfWork } from '@order-platform/shared';
import { insertReservation, lockOrderStock } from '../data/reservations-repository.js';
import { decideReserve } from './reservation.js';

/**
 * Reserves every line of a new order in one transaction, or none: publishes stock.reserved,
 * or stock.rejected with the short or unavailable lines. An order seen before (including one
 * cancelled before it arrived here) changes nothing.
 */
export async function reserveStock(order: OrderCreated, { trx, outbox, now }: UnitOfWork): Promise<void> {
  const lines = order.items.map(({ sku, quantity }) => ({ sku, quantity }));
  const { existing, products } = await lockOrderStock(trx, order.orderId, lines.map((l) => l.sku));
  const decision = decideReserve(existing, lines, products, now);
  if (!decision) return;
  const status = decision.kind === 'reserved' ? 'reserved' : 'rejected';
  if (!(await insertReservation(trx, { orderId: order.orderId, status, lines }, decision.kind === 'reserved' ? decision.movements : [], now))) {
    throw new AppError('transient', `order ${order.orderId} was handled concurrently; retrying`);
  }
  if (decision.kind === 'rejected') {
    outbox.add('stock.rejected', { subject: order.orderId, data: { orderId: order.orderId, reason: decision.reason, lines: decision.lines, rejectedAt: now.toISOString() } });
    return;
  }
  outbox.add('stock.reserved', { subject: order.orderId, data: { orderId: order.orderId, items: lines, reservedAt: now.toISOString() } });
  for (const p of decision.low) {
    outbox.add('stock.low', { subject: p.sku, data: { sku: p.sku, name: p.name, available: p.available, threshold: p.lowStockThreshold, detectedAt: now.toISOString() } });
  }
}
