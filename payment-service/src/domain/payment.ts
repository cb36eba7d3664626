import type { Money, PaymentCaptured, PaymentFailed, PaymentRefunded } from '@order-platform/shared';

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

// The transitions every decision and settlement ends in: each gives the new payment and the event announcing it.

export function capture(payment: PendingPayment | (Omit<AwaitingOrderPayment, 'amount'> & { amount: Money }), now: Date): Settled<CapturedPayment> {
  return {
    payment: { ...payment, status: 'captured', updatedAt: now },
    event: { type: 'payments.captured', data: { orderId: payment.orderId, paymentId: payment.id, amount: payment.amount, capturedAt: now.toISOString() } },
  };
}

export function fail(payment: Payment, reason: PaymentFailed['reason'], detail: string, now: Date): Settled {
  return {
    payment: { ...payment, status: 'failed', failureReason: reason, updatedAt: now },
    event: { type: 'payments.failed', data: { orderId: payment.orderId, paymentId: payment.id, reason, detail: detail.slice(0, 1000), failedAt: now.toISOString() } },
  };
}

export function unreachable(value: never): never {
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
