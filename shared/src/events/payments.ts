import { Type, type Static } from '@sinclair/typebox';
import { closed, CustomerId, Money, OrderId, PaymentId, StringEnum, Timestamp } from './fields.js';

/** The PAYMENTS stream: what payment-service publishes (docs/architecture.md, "Events"). */

export const PaymentCaptured = Type.Object({ orderId: OrderId, paymentId: PaymentId, amount: Money, capturedAt: Timestamp }, closed);
export type PaymentCaptured = Static<typeof PaymentCaptured>;

export const PaymentFailed = Type.Object(
  {
    orderId: OrderId,
    paymentId: PaymentId,
    reason: StringEnum(['payment_declined', 'payment_unavailable']),
    detail: Type.String({ maxLength: 1000 }),
    failedAt: Timestamp,
  },
  closed,
);
export type PaymentFailed = Static<typeof PaymentFailed>;

export const PaymentRefunded = Type.Object(
  {
    orderId: OrderId,
    /** from the orders.cancelled that caused the refund, so the customer can be told */
    customerId: CustomerId,
    paymentId: PaymentId,
    amount: Money,
    refundedAt: Timestamp,
  },
  closed,
);
export type PaymentRefunded = Static<typeof PaymentRefunded>;

export const paymentEvents = {
  'payments.captured': PaymentCaptured,
  'payments.failed': PaymentFailed,
  'payments.refunded': PaymentRefunded,
} as const;
