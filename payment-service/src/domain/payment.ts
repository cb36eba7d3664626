import type { Money, OrderCancelled, OrderCreated, PaymentCaptured, PaymentFailed, PaymentRefunded } from '@order-platform/shared';
import type { ChargeResult, VoidResult } from './gateway.js';
import { eraseToken, type ClaimDecision, type PaymentMethod, type UsedPaymentMethod } from './payment-method.js';

interface PaymentFields {
  id: string;
  orderId: string;
  /** charge requests sent to the gateway */
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The card is the payment method's: the payment only names it. */
type Charged = { amount: Money; paymentMethodId: string; failureReason: null };

/** A payment is a union on its status: what is known about it depends on how it got there. */
export type Payment = PaymentFields &
  (
    | ({ status: 'pending' } & Charged)
    | ({ status: 'captured' } & Charged)
    | ({ status: 'refunded' } & Charged)
    // paymentMethodId null: the cancel came before orders.created
    | { status: 'voided'; amount: Money; paymentMethodId: string | null; failureReason: null }
    // amount and paymentMethodId null: the retries ran out before orders.created told them
    | { status: 'failed'; amount: Money | null; paymentMethodId: string | null; failureReason: PaymentFailed['reason'] }
  );

export type PaymentStatus = Payment['status'];
export type PendingPayment = Extract<Payment, { status: 'pending' }>;
export type CapturedPayment = Extract<Payment, { status: 'captured' }>;

export type PaymentEvent =
  | { type: 'payments.captured'; data: PaymentCaptured }
  | { type: 'payments.failed'; data: PaymentFailed }
  | { type: 'payments.refunded'; data: PaymentRefunded };

type Settled<P extends Payment = Payment> = { payment: P; event: PaymentEvent };

export type OpenDecision =
  | { kind: 'open'; payment: PendingPayment; method: UsedPaymentMethod }
  | { kind: 'decline'; payment: Payment; event: PaymentEvent }
  | { kind: 'leave'; payment: Payment; retire?: PaymentMethod };

/**
 * orders.created: a pending payment for the total, on the payment method claimed for it; a
 * method the order may not use fails the payment at once as declined, and nothing is charged.
 * An order with a payment already (a repeat, or a cancel came first) gets nothing new; when that
 * payment settled before the order was seen, the method is claimed and erased: it will never be charged.
 */
export function decideOpen(existing: Payment | undefined, claim: ClaimDecision, order: OrderCreated, now: Date, id: string): OpenDecision {
  if (existing) {
    return claim.kind === 'claim' && existing.status !== 'pending' ? { kind: 'leave', payment: existing, retire: eraseToken(claim.method, now) } : { kind: 'leave', payment: existing };
  }
  const opened = { id, orderId: order.orderId, amount: order.total, paymentMethodId: order.payment.paymentMethodId, attempts: 0, createdAt: now, updatedAt: now };
  if (claim.kind === 'refuse') return { kind: 'decline', ...fail({ ...opened, status: 'failed', failureReason: 'payment_declined' }, 'payment_declined', claim.detail, now) };
  return { kind: 'open', payment: { ...opened, status: 'pending', failureReason: null }, method: claim.method };
}

export type ChargeDecision = { kind: 'wait' } | { kind: 'leave'; payment: Payment } | { kind: 'charge'; payment: PendingPayment };

/** stock.reserved: only a pending payment is charged; without one the amount is unknown, so wait for orders.created. */
export function decideCharge(payment: Payment | undefined): ChargeDecision {
  if (!payment) return { kind: 'wait' };
  return payment.status === 'pending' ? { kind: 'charge', payment } : { kind: 'leave', payment };
}

export function settleCharge(payment: PendingPayment, result: ChargeResult, now: Date): Settled {
  switch (result.outcome) {
    case 'captured':
      return capture(payment, now);
    case 'declined':
      return fail(payment, 'payment_declined', result.detail, now);
    default:
      return unreachable(result);
  }
}

export function capture(payment: PendingPayment, now: Date): Settled<CapturedPayment> {
  return {
    payment: { ...payment, status: 'captured', updatedAt: now },
    event: { type: 'payments.captured', data: { orderId: payment.orderId, paymentId: payment.id, amount: payment.amount, capturedAt: now.toISOString() } },
  };
}

export type UnavailableDecision = { kind: 'leave'; payment: Payment } | { kind: 'record'; payment: Payment; event: PaymentEvent } | { kind: 'settle'; payment: PendingPayment };

/**
 * The charge's retries ran out. A pending payment is settled (see settleUnavailable); with no
 * payment yet, a failed one is recorded so a late orders.created opens nothing; any other
 * payment is left as it is.
 */
export function decideUnavailable(payment: Payment | undefined, failure: { orderId: string; detail: string }, now: Date, id: string): UnavailableDecision {
  if (payment) return payment.status === 'pending' ? { kind: 'settle', payment } : { kind: 'leave', payment };
  const failed: Payment = { id, orderId: failure.orderId, status: 'failed', amount: null, paymentMethodId: null, failureReason: 'payment_unavailable', attempts: 0, createdAt: now, updatedAt: now };
  return { kind: 'record', ...fail(failed, 'payment_unavailable', failure.detail, now) };
}

/** After the gateway was asked to void the charge: failed as unavailable, or captured if it had been taken after all. */
export function settleUnavailable(payment: PendingPayment, held: VoidResult, detail: string, now: Date): Settled {
  return held.outcome === 'captured' ? capture(payment, now) : fail(payment, 'payment_unavailable', detail, now);
}

export type CancelDecision =
  | { kind: 'tombstone'; payment: Payment }
  | { kind: 'void'; payment: PendingPayment }
  | { kind: 'refund'; payment: CapturedPayment }
  | { kind: 'leave'; payment: Payment };

/** orders.cancelled: void what is not charged, refund what is; with no payment yet, leave a voided one behind. */
export function decideCancel(payment: Payment | undefined, cancel: OrderCancelled, now: Date, id: string): CancelDecision {
  if (!payment) {
    return { kind: 'tombstone', payment: { id, orderId: cancel.orderId, status: 'voided', amount: cancel.total, paymentMethodId: null, failureReason: null, attempts: 0, createdAt: now, updatedAt: now } };
  }
  switch (payment.status) {
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

export function voidPayment(payment: PendingPayment, now: Date): Payment {
  return { ...payment, status: 'voided', updatedAt: now };
}

/** `customerId` comes from the cancellation, so the refund can be announced to the customer. */
export function refundPayment(payment: CapturedPayment, customerId: string, now: Date): Settled {
  return {
    payment: { ...payment, status: 'refunded', updatedAt: now },
    event: {
      type: 'payments.refunded',
      data: { orderId: payment.orderId, customerId, paymentId: payment.id, amount: payment.amount, refundedAt: now.toISOString() },
    },
  };
}

function fail(payment: Payment, reason: PaymentFailed['reason'], detail: string, now: Date): Settled {
  return {
    payment: { ...payment, status: 'failed', failureReason: reason, updatedAt: now },
    event: { type: 'payments.failed', data: { orderId: payment.orderId, paymentId: payment.id, reason, detail: detail.slice(0, 1000), failedAt: now.toISOString() } },
  };
}

function unreachable(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}

/** The HTTP representation (DESIGN.md §7). */
export function paymentView(payment: Payment) {
  return {
    id: payment.id,
    orderId: payment.orderId,
    amount: payment.amount,
    status: payment.status,
    attempts: payment.attempts,
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
  };
}

export type PaymentView = ReturnType<typeof paymentView>;
