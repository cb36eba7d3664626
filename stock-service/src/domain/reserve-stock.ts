import type { OrderCreated, UnitOfWork } from '@order-platform/shared';
import { reserveOrderStock } from '../data/reservations-repository.js';
import { checkWritten, decidedStatus, decideReserve } from './reservation.js';

/**
 * Reserves every line of a new order in one transaction, or none: publishes stock.reserved,
 * or stock.rejected with the short or unavailable lines. An order seen before (including one
 * cancelled before it arrived here) changes nothing. One statement locks the products, decides
 * and writes; the decision on the products it locked (their levels before) names the events.
 */
export async function reserveStock(order: OrderCreated, { trx, outbox, now }: UnitOfWork): Promise<void> {
  const lines = order.items.map(({ sku, quantity }) => ({ sku, quantity }));
  const { existing, products, written } = await reserveOrderStock(trx, order.orderId, lines, now);
  const decision = decideReserve(existing, lines, products, now);
  checkWritten(order.orderId, decidedStatus(decision), written);
  if (!decision) return;
  if (decision.kind === 'rejected') {
    outbox.add('stock.rejected', { subject: order.orderId, data: { orderId: order.orderId, reason: decision.reason, lines: decision.lines, rejectedAt: now.toISOString() } });
    return;
  }
  outbox.add('stock.reserved', { subject: order.orderId, data: { orderId: order.orderId, items: lines, reservedAt: now.toISOString() } });
  for (const p of decision.low) {
    outbox.add('stock.low', { subject: p.sku, data: { sku: p.sku, name: p.name, available: p.available, threshold: p.lowStockThreshold, detectedAt: now.toISOString() } });
  }
}
