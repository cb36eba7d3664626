import { expect } from 'chai';
import type { EventPayloads } from '@order-platform/shared';
import { eventually, publishEvent, readStream, settled } from '@order-platform/shared/testing';
import { call, orderBody, type OrderService } from './order-service.js';

export async function placeOrder(orders: OrderService): Promise<{ id: string; total: { amount: number; currency: string } }> {
  const response = await call(orders.api.url, 'POST', '/orders', orderBody());
  expect(response.status).to.equal(202);
  return response.body;
}

type Incoming = 'stock.reserved' | 'stock.rejected' | 'payments.captured' | 'payments.failed';

export function report<T extends Incoming>(orders: OrderService, type: T, data: EventPayloads[T], options: { id?: string; msgId?: string; subject?: string } = {}) {
  return publishEvent(orders.api.resources.nc, orders.topology, type, data, { subject: data.orderId, ...options });
}

export const facts = {
  reserved: (orderId: string): EventPayloads['stock.reserved'] => ({ orderId, items: [{ sku: 'KETTLE-1', quantity: 2 }], reservedAt: new Date().toISOString() }),
  rejected: (orderId: string): EventPayloads['stock.rejected'] => ({ orderId, reason: 'out_of_stock', lines: [{ sku: 'KETTLE-1', requested: 2, available: 1 }], rejectedAt: new Date().toISOString() }),
  captured: (orderId: string, amount: number): EventPayloads['payments.captured'] => ({ orderId, paymentId: `pay-${orderId}`, amount: { amount, currency: 'EUR' }, capturedAt: new Date().toISOString() }),
  failed: (orderId: string, reason: 'payment_declined' | 'payment_unavailable' = 'payment_declined'): EventPayloads['payments.failed'] => ({ orderId, paymentId: `pay-${orderId}`, reason, detail: 'card declined', failedAt: new Date().toISOString() }),
};

export async function statusOf(orders: OrderService, id: string): Promise<{ status: string; cancellationReason: string | null }> {
  const { body } = await call(orders.api.url, 'GET', `/orders/${id}`);
  return { status: body.status, cancellationReason: body.cancellationReason };
}

export async function becomes(orders: OrderService, id: string, status: string, cancellationReason: string | null = null) {
  await eventually(async () => expect(await statusOf(orders, id)).to.deep.equal({ status, cancellationReason }));
}

/** Resolves once the worker has handled everything published so far and the relay has published its events. */
export function processed(orders: OrderService): Promise<void> {
  return settled(orders.api.resources.nc, orders.topology, { db: orders.api.resources.db });
}

/** orders.confirmed / orders.cancelled published for an order. */
export async function outcomes(orders: OrderService, id: string) {
  const messages = await readStream(orders.api.resources.nc, orders.topology.stream('ORDERS'));
  return messages.filter((m) => m.headers['ce-subject'] === id && m.headers['ce-type'] !== 'orders.created').map((m) => ({ type: m.headers['ce-type'], data: m.data as Record<string, unknown> }));
}
