import { Type, type Static } from '@sinclair/typebox';
import { closed, CustomerId, Money, OrderId, PaymentMethodId, Quantity, Sku, StringEnum, Timestamp } from './fields.js';

/** The ORDERS stream: what order-service publishes (docs/architecture.md, "Events"). */

export const OrderLine = Type.Object({ sku: Sku, quantity: Quantity, unitPrice: Money }, closed);
export type OrderLine = Static<typeof OrderLine>;

const OrderLines = Type.Array(OrderLine, { minItems: 1, maxItems: 100 });

export const cancellationReasons = ['out_of_stock', 'product_unavailable', 'payment_declined', 'payment_unavailable', 'customer_request'] as const;
export const CancellationReason = StringEnum(cancellationReasons);
export type CancellationReason = Static<typeof CancellationReason>;

export const OrderCreated = Type.Object(
  {
    orderId: OrderId,
    customerId: CustomerId,
    items: OrderLines,
    total: Money,
    /** the card the customer registered with payment-service; the token itself never travels */
    payment: Type.Object({ method: Type.Literal('card'), paymentMethodId: PaymentMethodId }, closed),
    createdAt: Timestamp,
  },
  closed,
);
export type OrderCreated = Static<typeof OrderCreated>;

export const OrderConfirmed = Type.Object({ orderId: OrderId, customerId: CustomerId, items: OrderLines, total: Money, confirmedAt: Timestamp }, closed);
export type OrderConfirmed = Static<typeof OrderConfirmed>;

export const OrderCancelled = Type.Object(
  {
    orderId: OrderId,
    customerId: CustomerId,
    reason: CancellationReason,
    /** the status the order left; tells compensations whether stock was committed */
    previousStatus: StringEnum(['pending', 'stock_reserved', 'confirmed']),
    items: OrderLines,
    total: Money,
    cancelledAt: Timestamp,
  },
  closed,
);
export type OrderCancelled = Static<typeof OrderCancelled>;

export const orderEvents = {
  'orders.created': OrderCreated,
  'orders.confirmed': OrderConfirmed,
  'orders.cancelled': OrderCancelled,
} as const;
