import type { AnyEventEnvelope, CancellationReason } from '@order-platform/shared';
import { formatMoney } from './money.js';

/** What the read model keeps of one event: its row in the feed, and the facts it adds. */
export interface EventFacts {
  event: {
    id: string;
    type: string;
    subject: string;
    orderId: string | null;
    sku: string | null;
    /** the event's own time, from its payload */
    time: string;
    summary: string;
    money: { amount: number; currency: string } | null;
  };
  /** one fact about an order: set once, whatever order its events arrive in */
  order?: { orderId: string; placedAt?: string; confirmedAt?: string; cancelledAt?: string; cancellationReason?: CancellationReason };
  lowStock?: { sku: string; name: string; available: number; threshold: number; detectedAt: string };
}

/**
 * The one decision of this service: what an event means for the figures. Pure, and every
 * consumed type is handled (the `never` check). Times come from the payload, never the clock,
 * so a backfill weeks later buckets each event where it happened.
 */
export function factsOf(event: AnyEventEnvelope): EventFacts {
  const base = { id: event.id, type: event.type, subject: event.subject, orderId: null, sku: null, money: null };
  switch (event.type) {
    case 'orders.created': {
      const { orderId, total, items, createdAt } = event.data;
      const lines = `${items.length} line${items.length === 1 ? '' : 's'}`;
      return { event: { ...base, orderId, time: createdAt, summary: `order placed: ${formatMoney(total)}, ${lines}` }, order: { orderId, placedAt: createdAt } };
    }
    case 'orders.confirmed': {
      const { orderId, total, confirmedAt } = event.data;
      return { event: { ...base, orderId, time: confirmedAt, summary: `order confirmed: ${formatMoney(total)}` }, order: { orderId, confirmedAt } };
    }
    case 'orders.cancelled': {
      const { orderId, reason, previousStatus, cancelledAt } = event.data;
      return {
        event: { ...base, orderId, time: cancelledAt, summary: `order cancelled: ${reason} (was ${previousStatus})` },
        order: { orderId, cancelledAt, cancellationReason: reason },
      };
    }
    case 'stock.reserved':
      return { event: { ...base, orderId: event.data.orderId, time: event.data.reservedAt, summary: `stock reserved: ${units(event.data.items)}` } };
    case 'stock.rejected': {
      const short = event.data.lines.map((l) => `${l.sku} ${l.available}/${l.requested}`).join(', ');
      return { event: { ...base, orderId: event.data.orderId, time: event.data.rejectedAt, summary: `stock rejected: ${event.data.reason} (${short})` } };
    }
    case 'stock.released':
      return { event: { ...base, orderId: event.data.orderId, time: event.data.releasedAt, summary: `stock ${event.data.mode}: ${units(event.data.items)}` } };
    case 'stock.low': {
      const { sku, name, available, threshold, detectedAt } = event.data;
      return { event: { ...base, sku, time: detectedAt, summary: `low stock: ${sku} (${name}) ${available} left, threshold ${threshold}` }, lowStock: event.data };
    }
    case 'payments.captured': {
      const { orderId, amount, capturedAt } = event.data;
      return { event: { ...base, orderId, time: capturedAt, summary: `payment captured: ${formatMoney(amount)}`, money: amount } };
    }
    case 'payments.failed':
      return { event: { ...base, orderId: event.data.orderId, time: event.data.failedAt, summary: `payment failed: ${event.data.reason}` } };
    case 'payments.refunded': {
      const { orderId, amount, refundedAt } = event.data;
      return { event: { ...base, orderId, time: refundedAt, summary: `payment refunded: ${formatMoney(amount)}`, money: amount } };
    }
    case 'stock.product-changed':
      // not consumed: the catalog is not a figure
      return { event: { ...base, sku: event.data.sku, time: event.data.changedAt, summary: `product changed: ${event.data.sku}` } };
    default:
      return unreachable(event);
  }
}

function units(items: { sku: string; quantity: number }[]): string {
  return items.map((i) => `${i.quantity} × ${i.sku}`).join(', ');
}

function unreachable(event: never): never {
  throw new Error(`unhandled event ${(event as { type: string }).type}`);
}
