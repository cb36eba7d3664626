import type { CancellationReason, EventEnvelope, Money, OrderLine } from '@order-platform/shared';
import type { Audience, TemplateName } from './templates.js';

/** What an event asks the service to tell, to whom, with which template and values. */
export interface NotificationRequest {
  /** one notification per key, ever: the terminal transition (or alert) it announces */
  dedupKey: string;
  template: TemplateName;
  audience: Audience;
  eventId: string;
  customerId?: string;
  orderId?: string;
  sku?: string;
  /** the template's values, except the customer's name, which delivery looks up */
  variables: Record<string, unknown>;
}

/** The events that ask for a notification. */
export type Announced = 'orders.confirmed' | 'orders.cancelled' | 'payments.refunded' | 'stock.low';

export type RequestOf<T extends Announced> = (event: EventEnvelope<T>) => NotificationRequest;

export const orderConfirmedNotification: RequestOf<'orders.confirmed'> = ({ id, data }) => ({
  dedupKey: `order-confirmed:${data.orderId}`,
  template: 'order-confirmed',
  audience: 'customer',
  eventId: id,
  customerId: data.customerId,
  orderId: data.orderId,
  variables: { orderId: data.orderId, items: lines(data.items), total: formatMoney(data.total), confirmedAt: data.confirmedAt },
});

export const orderCancelledNotification: RequestOf<'orders.cancelled'> = ({ id, data }) => ({
  dedupKey: `order-cancelled:${data.orderId}`,
  template: 'order-cancelled',
  audience: 'customer',
  eventId: id,
  customerId: data.customerId,
  orderId: data.orderId,
  variables: {
    orderId: data.orderId,
    reason: reasonText[data.reason],
    reasonCode: data.reason,
    ...moneyOf(data.previousStatus, data.reason),
    items: lines(data.items),
    total: formatMoney(data.total),
    cancelledAt: data.cancelledAt,
  },
});

export const paymentRefundedNotification: RequestOf<'payments.refunded'> = ({ id, data }) => ({
  dedupKey: `payment-refunded:${data.paymentId}`,
  template: 'payment-refunded',
  audience: 'customer',
  eventId: id,
  customerId: data.customerId,
  orderId: data.orderId,
  variables: { orderId: data.orderId, amount: formatMoney(data.amount), refundedAt: data.refundedAt },
});

// stock.low is published once per fall below the threshold, so each event is its own alert.
export const stockLowNotification: RequestOf<'stock.low'> = ({ id, data }) => ({
  dedupKey: `stock-low:${id}`,
  template: 'stock-low',
  audience: 'staff',
  eventId: id,
  sku: data.sku,
  variables: { sku: data.sku, productName: data.name, available: data.available, threshold: data.threshold, detectedAt: data.detectedAt },
});

/**
 * What the cancellation mail may say about money. Only a confirmed order was certainly paid. Out
 * of stock, an unavailable product and a declined payment certainly took nothing (payment-service
 * charges only after stock was reserved, and a decline is final). Any other cancellation (the
 * customer's, before confirmation; the gateway given up on) can come after a charge that order-service
 * had not heard of yet: payment-service then refunds it, and the refund has its own mail.
 */
function moneyOf(previousStatus: string, reason: CancellationReason) {
  const refundFollows = previousStatus === 'confirmed';
  const notCharged = !refundFollows && (reason === 'out_of_stock' || reason === 'product_unavailable' || reason === 'payment_declined');
  return { refundFollows, notCharged, refundIfCharged: !refundFollows && !notCharged };
}

const reasonText: Record<CancellationReason, string> = {
  out_of_stock: 'some of the items are out of stock',
  product_unavailable: 'one of the products is no longer sold',
  payment_declined: 'your payment was declined',
  payment_unavailable: 'we could not reach the payment provider',
  customer_request: 'you asked us to cancel it',
};

/** Money for people: `52.98 EUR` style amounts with the currency's own minor units (`€52.98`). */
export function formatMoney({ amount, currency }: Money): string {
  const { format, digits } = moneyFormatOf(currency);
  return format.format(amount / 10 ** digits);
}

// Building an Intl.NumberFormat costs far more than using one (3.9 % of the worker's CPU when
// built per call): one per currency, kept. Currencies are ISO 4217 codes, so the map stays small.
const moneyFormats = new Map<string, { format: Intl.NumberFormat; digits: number }>();

function moneyFormatOf(currency: string): { format: Intl.NumberFormat; digits: number } {
  let entry = moneyFormats.get(currency);
  if (!entry) {
    const format = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
    entry = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    moneyFormats.set(currency, entry);
  }
  return entry;
}

function lines(items: OrderLine[]) {
  return items.map((line) => ({
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: formatMoney(line.unitPrice),
    lineTotal: formatMoney({ amount: line.unitPrice.amount * line.quantity, currency: line.unitPrice.currency }),
  }));
}
