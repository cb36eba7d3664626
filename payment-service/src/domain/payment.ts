import type { Money, OrderCancelled, OrderCreated, PaymentCaptured, PaymentFailed, PaymentRefunded } from '@order-platform/shared';
import type { ChargeResult, VoidResult } from './gateway.js';
import { eraseToken, type ClaimDecision, type PaymentMethod, type UsedPaymentMethod } from './payment-method.js';

interface PaymentFields {
  id: string;
  orderId: string;
  /** deliveries of the message that settled the charge (each one asked the gateway); 0 until then */
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The card is the payment method's: the payment only names it. */
type Charged = { amount: Money; paymentMethodId: string; failureReason: null };
/** paymentMethodId null: taken by a charge whose commit was lost, found by a cancel before orders.created was recorded */
type Taken = { amount: Money; paymentMethodId: string | null; failureReason: null };

/**
 * A payment is a union on its status: what is known about it depends on how it got there.
 * orders.created (amount, card) and stock.reserved (go) are joined here: whichever comes
 * first is recorded (`pending` or `awaiting_order`), and the second one charges.
 */
export type Payment = PaymentFields &
  (
    // stock.reserved came first: orders.created will tell the amount and card, and charge
    | { status: 'awaiting_order'; amount: null; paymentMethodId: null; failureReason: null }
    // orders.created came first: stock.reserved will charge
    | ({ status: 'pending' } & Charged)
    | ({ status: 'captured' } & Taken)
    | ({ status: 'refunded' } & Taken)
    // paymentMethodId null: the cancel came before orders.created
    | { status: 'voided'; amount: Money; paymentMethodId: string | null; failureReason: null }
    // amount and paymentMethodId null: orders.created never came (see decideOrderNeverCame)
    | { status: 'failed'; amount: Money | null; paymentMethodId: string | null; failureReason: PaymentFailed['reason'] }
  );

export type PaymentStatus = Payment['status'];
export type PendingPayment = Extract<Payment, { status: 'pending' }>;
export type AwaitingOrderPayment = Extract<Payment, { status: 'awaiting_order' }>;
export type CapturedPayment = Extract<Payment, { status: 'captured' }>;

export type PaymentEvent =
  | { type: 'payments.captured'; data: PaymentCaptured }
  | { type: 'payments.failed'; data: PaymentFailed }
  | { type: 'payments.refunded'; data: PaymentRefunded };

export type Settled<P extends Payment = Payment> = { payment: P; event: PaymentEvent };

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
  if (!payment) return { kind: 'await_order', payment: { id, orderId, status: 'awaiting_order', amount: null, paymentMethodId: null, failureReason: null, attempts: 0, createdAt: now, updatedAt: now } };
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

/** The gateway answered the charge; `attempts` is the delivery count of the message that asked it. */
export function settleCharge(payment: PendingPayment, result: ChargeResult, attempts: number, now: Date): Settled {
  switch (result.outcome) {
    case 'captured':
      return capture({ ...payment, attempts }, now);
    case 'declined':
      return fail({ ...payment, attempts }, 'payment_declined', result.detail, now);
    default:
      return unreachable(result);
  }
}

export function capture(payment: PendingPayment | (Omit<AwaitingOrderPayment, 'amount'> & { amount: Money }), now: Date): Settled<CapturedPayment> {
  return {
    payment: { ...payment, status: 'captured', updatedAt: now },
    event: { type: 'payments.captured', data: { orderId: payment.orderId, paymentId: payment.id, amount: payment.amount, capturedAt: now.toISOString() } },
  };
}

/**
 * The charge's retries ran out (attempts: the last delivery's count), and the gateway was asked
 * to void it: failed as unavailable, or captured if it had been taken after all.
 */
export function settleUnavailable(payment: PendingPayment, held: VoidResult, detail: string, attempts: number, now: Date): Settled {
  return held.outcome === 'captured' ? capture({ ...payment, attempts }, now) : fail({ ...payment, attempts }, 'payment_unavailable', detail, now);
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

/**
 * After the gateway was asked to void a cancelled payment's charge: voided, or captured (then
 * refunded) if it had been taken after all. The cancel tells the total when the order was not seen.
 */
export function settleVoid(payment: PendingPayment | AwaitingOrderPayment, held: VoidResult, total: Money, now: Date): { kind: 'voided'; payment: Payment } | { kind: 'taken'; captured: Settled<CapturedPayment> } {
  const known = { ...payment, amount: payment.amount ?? total };
  if (held.outcome === 'captured') return { kind: 'taken', captured: capture(known, now) };
  return { kind: 'voided', payment: { ...known, status: 'voided', updatedAt: now } };
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

/** The HTTP representation (docs/architecture.md, "HTTP surface"). */
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
