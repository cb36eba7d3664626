// Checked by tsc in test/unit/contract-types.test.ts (tests otherwise run untyped under tsx).
// Each `@ts-expect-error` line must be an error: the derived types are as strict as the schemas.
import type { Static } from '@sinclair/typebox';
import type { CancellationReason, EventPayloads, Money, OrderCancelled, OrderCreated, PaymentFailed, StockReleased } from '../../src/events/contracts.js';
import { eventSchemas } from '../../src/events/contracts.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

// every payload type is its schema's static type, nothing written beside it
export type Derived = Assert<Same<EventPayloads, { [T in keyof typeof eventSchemas]: Static<(typeof eventSchemas)[T]> }>>;
export type ExactCreated = Assert<Same<OrderCreated['payment'], { method: 'card'; paymentMethodId: string }>>;
export type ExactReasons = Assert<Same<CancellationReason, 'out_of_stock' | 'product_unavailable' | 'payment_declined' | 'payment_unavailable' | 'customer_request'>>;

const total: Money = { amount: 2599, currency: 'EUR' };
const line = { sku: 'KETTLE-1', quantity: 1, unitPrice: total };

export const created: OrderCreated = {
  orderId: 'o-1', customerId: 'cust-ada', items: [line], total, payment: { method: 'card', paymentMethodId: 'pm_x' }, createdAt: '2026-01-01T00:00:00Z',
};

// @ts-expect-error a payment method other than the schema's const 'card'
export const paidInCash: OrderCreated['payment'] = { method: 'cash', paymentMethodId: 'pm_x' };

// @ts-expect-error a field the schema does not declare is not required, but one it requires is
export const noTotal: OrderCreated = { orderId: 'o-1', customerId: 'cust-ada', items: [line], payment: created.payment, createdAt: created.createdAt };

// @ts-expect-error a cancellation reason outside the schema's enum
export const lost: OrderCancelled['reason'] = 'lost_in_post';

// @ts-expect-error previousStatus is one of the three statuses an order can leave
export const fromCancelled: OrderCancelled['previousStatus'] = 'cancelled';

// @ts-expect-error stock.released's mode is released or restocked
export const sold: StockReleased['mode'] = 'sold';

// @ts-expect-error payments.failed's reason is a payment reason only
export const outOfStock: PaymentFailed['reason'] = 'out_of_stock';

// @ts-expect-error money's amount is a number of minor units, not a string
export const text: Money = { amount: '25.99', currency: 'EUR' };
