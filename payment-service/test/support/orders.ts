import { jetstream } from '@nats-io/jetstream';
import { envelopeHeaders, type EventPayloads, type OrderCancelled, type OrderCreated, type StockReserved } from '@order-platform/shared';
import { registerCard } from './payment-methods.js';
import type { PaymentService } from './payment-service.js';

type Input = 'orders.created' | 'stock.reserved' | 'orders.cancelled';

/**
 * Publishes an event into the service's namespace as its producer's relay would (a unique
 * ce-id unless given). Passing the id of an earlier event with another `msgId` makes a
 * redelivery that JetStream's duplicate window would otherwise drop.
 */
export async function publish<T extends Input>(payments: PaymentService, type: T, data: EventPayloads[T], options: { id?: string; msgId?: string } = {}): Promise<string> {
  const id = options.id ?? crypto.randomUUID();
  const source = type === 'stock.reserved' ? '/stock-service' : '/order-service';
  const headers = envelopeHeaders({ id, type, source, subject: data.orderId, time: new Date().toISOString() });
  if (options.msgId) headers.set('Nats-Msg-Id', options.msgId);
  await jetstream(payments.api.resources.nc).publish(payments.topology.subject(type), JSON.stringify(data), { headers });
  return id;
}

export function newOrderId(): string {
  return crypto.randomUUID();
}

/** orders.created for customer-1, naming a payment method (by default one nobody registered). */
export function orderCreated(orderId: string, paymentMethodId = `pm_${crypto.randomUUID()}`, amount = 5198, customerId = 'customer-1'): OrderCreated {
  return {
    orderId,
    customerId,
    items: [{ sku: 'KETTLE-1', quantity: 2, unitPrice: { amount: amount / 2, currency: 'EUR' } }],
    total: { amount, currency: 'EUR' },
    payment: { method: 'card', paymentMethodId },
    createdAt: new Date().toISOString(),
  };
}

/** What a client does before placing an order: registers the card as the customer, then the order names it. */
export async function orderWithCard(payments: PaymentService, orderId: string, token = 'tok_ok', amount = 5198): Promise<OrderCreated> {
  return orderCreated(orderId, await registerCard(payments, 'customer-1', token), amount);
}

export function stockReserved(orderId: string): StockReserved {
  return { orderId, items: [{ sku: 'KETTLE-1', quantity: 2 }], reservedAt: new Date().toISOString() };
}

export function orderCancelled(created: OrderCreated, previousStatus: OrderCancelled['previousStatus'] = 'pending'): OrderCancelled {
  return {
    orderId: created.orderId,
    customerId: created.customerId,
    reason: 'customer_request',
    previousStatus,
    items: created.items,
    total: created.total,
    cancelledAt: new Date().toISOString(),
  };
}
