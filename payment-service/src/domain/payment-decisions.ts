import type { OrderCancelled, OrderCreated } from '@order-platform/shared';
import type { VoidResult } from './gateway.js';
import { eraseToken, type ClaimDecision, type PaymentMethod, type UsedPaymentMethod } from './payment-method.js';
import { fail, unreachable, type AwaitingOrderPayment, type CapturedPayment, type Payment, type PaymentEvent, type PendingPayment } from './payment.js';

// What each event does to an order's payment, as pure decisions: orders.created (decideOpen),
// stock.reserved (decideReserved), orders.cancelled (decideCancel), and the sweep for an
// orders.created that never came (decideOrderNeverCame).

export type OpenDecision =
  | { kind: 'open'; payment: PendingPayment; method: UsedPaymentMethod }
  | { kind: 'charge'; payment: PendingPayment; method: UsedPaymentMethod }
  | { kind: 'decline'; payment: Payment; event: PaymentEvent }
  | { kind: 'leave'; payment: Payment; retire?: PaymentMethod };

/**
 * orders.created: a pending payment for the total, on the payment method claimed for it, to be
 * charged when stock.reserved comes; or charged now when stock.reserved came first. A method
 * the order may not use fails the payment at once as declined, and nothing is charged. An order
 * with a payment already (a repeat, or a cancel came first) gets nothing new; when that payment
 * settled before the order was seen, the method is claimed and erased: it will never be charged.
 */
export function decideOpen(existing: Payment | undefined, claim: ClaimDecision, order: OrderCreated, now: Date, id: string): OpenDecision {
  if (existing && existing.status !== 'awaiting_order') {
    return claim.kind === 'claim' && existing.status !== 'pending' ? { kind: 'leave', payment: existing, retire: eraseToken(claim.method, now) } : { kind: 'leave', payment: existing };
  }
  const known = { id, attempts: 0, createdAt: now, ...existing, orderId: order.orderId, amount: order.total, paymentMethodId: order.payment.paymentMethodId, updatedAt: now };
  if (claim.kind === 'refuse') return { kind: 'decline', ...fail({ ...known, status: 'failed', failureReason: 'payment_declined' }, 'payment_declined', claim.detail, now) };
  return { kind: existing ? 'charge' : 'open', payment: { ...known, status: 'pending', failureReason: null }, method: claim.method };
}

export type ReservedDecision = { kind: 'await_order'; payment: AwaitingOrderPayment } | { kind: 'charge'; payment: PendingPayment } | { kind: 'leave'; payment: Payment };

/**
 * stock.reserved: a pending payment is charged now. Without one the amount and card are not
 * known yet: the reservation is recorded, and orders.created charges when it comes.
 */
export function decideReserved(payment: Payment | undefined, orderId: string, now: Date, id: string): ReservedDecision {
  if (!payment) return { kind: 'await_order', payment: awaitingOrder(orderId, now, id) };
  switch (payment.status) {
    case 'pending':
      return { kind: 'charge', payment };
    case 'awaiting_order':
    case 'captured':
    case 'failed':
    case 'voided':
    case 'refunded':
      return { kind: 'leave', payment };
    default:
      return unreachable(payment);
  }
}

/** The payment stock.reserved records when the order has none: the amount and card come with orders.created. */
export function awaitingOrder(orderId: string, now: Date, id: string): AwaitingOrderPayment {
  return { id, orderId, status: 'awaiting_order', amount: null, paymentMethodId: null, failureReason: null, attempts: 0, createdAt: now, updatedAt: now };
}

export type OrderNeverCameDecision = { kind: 'fail'; payment: Payment; event: PaymentEvent } | { kind: 'leave' };

/**
 * Stock was reserved, and orders.created did not come within the wait: the payment fails as
 * unavailable, so the order is cancelled and its stock released instead of held forever; a late
 * orders.created then opens nothing. Its charge was voided first; should the gateway say it was
 * taken (an orders.created charged, and its commit was lost), that orders.created's redelivery
 * records it, so the payment is left for it.
 */
export function decideOrderNeverCame(payment: AwaitingOrderPayment, held: VoidResult, waitMs: number, now: Date): OrderNeverCameDecision {
  if (held.outcome === 'captured') return { kind: 'leave' };
  const detail = `orders.created not received within ${waitMs} ms of stock.reserved`;
  return { kind: 'fail', ...fail({ ...payment, status: 'failed', failureReason: 'payment_unavailable' }, 'payment_unavailable', detail, now) };
}

export type CancelDecision =
  | { kind: 'tombstone'; payment: Payment }
  | { kind: 'void'; payment: PendingPayment | AwaitingOrderPayment }
  | { kind: 'refund'; payment: CapturedPayment }
  | { kind: 'leave'; payment: Payment };

/**
 * orders.cancelled: void what is not charged, refund what is; with no payment yet, leave a
 * voided one behind. A payment awaiting its order is voided like a pending one: an
 * orders.created may have charged it and lost its commit to a crash.
 */
export function decideCancel(payment: Payment | undefined, cancel: OrderCancelled, now: Date, id: string): CancelDecision {
  if (!payment) {
    return { kind: 'tombstone', payment: { id, orderId: cancel.orderId, status: 'voided', amount: cancel.total, paymentMethodId: null, failureReason: null, attempts: 0, createdAt: now, updatedAt: now } };
  }
  switch (payment.status) {
    case 'awaiting_order':
    case 'pending':
      return { kind: 'void', payment };
    case 'captured':
      return { kind: 'refund', payment };
    case 'failed':
    case 'voided':
    case 'refunded':
      return { kind: 'leave', payment };
    default:
      return unreachable(payment);
  }
}
