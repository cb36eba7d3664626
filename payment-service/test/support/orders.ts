import { jetstream } from '@nats-io/jetstream';
import { envelopeHeaders, type EventPayloads, type OrderCancelled, type OrderCreated, type StockReserved } from '@order-platform/shared';
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

export function orderCreated(orderId: string, token = 'tok_ok', amount = 5198): OrderCreated {
  return {
    orderId,
    customerId: 'customer-1',
    items: [{ sku: 'KETTLE-1', quantity: 2, unitPrice: { amount: amount / 2, currency: 'EUR' } }],
    total: { amount, currency: 'EUR' },
    payment: { method: 'card', token },
    createdAt: new Date().toISOString(),
  };
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
