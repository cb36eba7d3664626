import type { OrderCancelled, OrderCreated, OrderLine } from '@order-platform/shared';
import { eventually, publishEvent, readStream, settled as settledNamespace } from '@order-platform/shared/testing';
import type { StockService } from './stock-service.js';
import { call } from './stock-service.js';

export function orderCreated(orderId: string, lines: [string, number][]): OrderCreated {
  const items: OrderLine[] = lines.map(([sku, quantity]) => ({ sku, quantity, unitPrice: { amount: 100, currency: 'EUR' } }));
  const amount = items.reduce((sum, i) => sum + i.quantity * 100, 0);
  return { orderId, customerId: 'c1', items, total: { amount, currency: 'EUR' }, payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' }, createdAt: new Date().toISOString() };
}

export function orderCancelled(created: OrderCreated, previousStatus: OrderCancelled['previousStatus']): OrderCancelled {
  return { orderId: created.orderId, customerId: created.customerId, reason: 'customer_request', previousStatus, items: created.items, total: created.total, cancelledAt: new Date().toISOString() };
}

export function send<T extends 'orders.created' | 'orders.confirmed' | 'orders.cancelled'>(stock: StockService, type: T, data: Parameters<typeof publishEvent<T>>[3], options: { id?: string; msgId?: string } = {}) {
  return publishEvent(stock.api.resources.nc, stock.topology, type, data, { subject: (data as { orderId: string }).orderId, ...options });
}

/** Resolves once the worker has handled everything published so far and the relay has published every outbox row. */
export function settled(stock: StockService): Promise<void> {
  return settledNamespace(stock.api.resources.nc, stock.topology, { db: stock.api.resources.db });
}

export async function stockEvents(stock: StockService, orderOrSku: string) {
  const messages = await readStream(stock.api.resources.nc, stock.topology.stream('STOCK'));
  return messages.filter((m) => m.headers['ce-subject'] === orderOrSku).map((m) => ({ type: m.headers['ce-type'], data: m.data as Record<string, unknown> }));
}

export async function eventTypes(stock: StockService, orderOrSku: string, expected: string[]) {
  return eventually(async () => {
    const events = await stockEvents(stock, orderOrSku);
    if (events.length < expected.length) throw new Error(`waiting for ${expected.join(', ')}; have ${events.map((e) => e.type).join(', ')}`);
    return events;
  });
}

export async function figures(stock: StockService, sku: string) {
  const { body } = await call(stock.api.url, 'GET', `/products/${sku}`);
  return { available: body.available, reserved: body.reserved, sold: body.sold, onHand: body.onHand };
}

export async function reservationStatus(stock: StockService, orderId: string) {
  const row = await stock.api.resources.db('reservations').where({ order_id: orderId }).first();
  return row?.status as string | undefined;
}
