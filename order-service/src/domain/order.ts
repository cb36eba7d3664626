import type { CancellationReason, Money, OrderCreated, OrderLine } from '@order-platform/shared';
import { waitingFor } from './waiting-for.js';

export type OrderStatus = 'pending' | 'stock_reserved' | 'confirmed' | 'cancelled';

export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  cancellationReason: CancellationReason | null;
  items: OrderLine[];
  total: Money;
  createdAt: Date;
  updatedAt: Date;
}

/** What order-service knows of a product, from stock.product-changed. */
export interface CatalogEntry {
  sku: string;
  name: string;
  price: Money;
  active: boolean;
  version: number;
}

export interface PlaceOrder {
  /** resolved from the caller: a customer's own id, or the one an admin names */
  customerId: string;
  items: { sku: string; quantity: number }[];
  /** a card registered with payment-service, by id: order-service never sees a card token */
  payment: { method: 'card'; paymentMethodId: string };
}

export type PlaceOrderRejection =
  | { reason: 'duplicate_sku'; skus: string[] }
  | { reason: 'unknown_sku'; skus: string[] }
  | { reason: 'inactive_sku'; skus: string[] }
  | { reason: 'mixed_currencies'; skus: string[] }
  | { reason: 'total_too_large'; skus: string[] };

export type PlaceOrderDecision = { kind: 'accepted'; order: Order; event: OrderCreated } | ({ kind: 'rejected' } & PlaceOrderRejection);

/**
 * Decides whether an order can be accepted, with prices from the catalog read model, never
 * from the client. Pure: the catalog, the clock and the new id come in as arguments.
 */
export function decidePlaceOrder(command: PlaceOrder, catalog: ReadonlyMap<string, CatalogEntry>, now: Date, orderId: string): PlaceOrderDecision {
  const skus = command.items.map((item) => item.sku);
  const duplicates = skus.filter((sku, i) => skus.indexOf(sku) !== i);
  if (duplicates.length) return { kind: 'rejected', reason: 'duplicate_sku', skus: [...new Set(duplicates)] };
  const unknown = skus.filter((sku) => !catalog.has(sku));
  if (unknown.length) return { kind: 'rejected', reason: 'unknown_sku', skus: unknown };
  const inactive = skus.filter((sku) => !catalog.get(sku)!.active);
  if (inactive.length) return { kind: 'rejected', reason: 'inactive_sku', skus: inactive };

  const items: OrderLine[] = command.items.map(({ sku, quantity }) => ({ sku, quantity, unitPrice: catalog.get(sku)!.price }));
  const currencies = new Set(items.map((item) => item.unitPrice.currency));
  if (currencies.size > 1) return { kind: 'rejected', reason: 'mixed_currencies', skus };
  const amount = items.reduce((sum, item) => sum + item.unitPrice.amount * item.quantity, 0);
  if (!Number.isSafeInteger(amount)) return { kind: 'rejected', reason: 'total_too_large', skus };

  const total = { amount, currency: items[0]!.unitPrice.currency };
  const order: Order = { id: orderId, customerId: command.customerId, status: 'pending', cancellationReason: null, items, total, createdAt: now, updatedAt: now };
  const event: OrderCreated = { orderId, customerId: command.customerId, items, total, payment: { method: 'card', paymentMethodId: command.payment.paymentMethodId }, createdAt: now.toISOString() };
  return { kind: 'accepted', order, event };
}

const rejectionMessages: Record<PlaceOrderRejection['reason'], string> = {
  duplicate_sku: 'an order lists each sku once',
  unknown_sku: 'the catalog has no such product',
  inactive_sku: 'the product is not sold at the moment',
  mixed_currencies: 'all items of an order must be priced in one currency',
  total_too_large: 'the order total is too large',
};

export function describeRejection(rejection: PlaceOrderRejection): string {
  return `${rejectionMessages[rejection.reason]}: ${rejection.skus.join(', ')}`;
}

/** The HTTP representation (docs/architecture.md, "HTTP surface"). */
export function orderView(order: Order) {
  return {
    id: order.id,
    customerId: order.customerId,
    status: order.status,
    cancellationReason: order.cancellationReason,
    items: order.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
    total: order.total,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    waitingFor: waitingFor(order),
  };
}

export type OrderView = ReturnType<typeof orderView>;
