import { bearer, eventually } from '@order-platform/shared/testing';
import { expect } from 'chai';
import type { ConsoleSystem } from './system.js';

export const tokenOf = async (sub: string, role: 'admin' | 'customer'): Promise<string> => (await bearer(sub, [role])).authorization.slice('Bearer '.length);

export async function call(url: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function createProduct(system: ConsoleSystem, sku: string, onHand: number): Promise<void> {
  const r = await call(system.urls.stock, 'POST', '/products', await tokenOf('staff-fixtures', 'admin'), { sku, name: sku.toLowerCase(), price: { amount: 2599, currency: 'EUR' }, onHand });
  expect(r.status, JSON.stringify(r.body)).to.equal(201);
}

/** A customer registers a card with payment-service, then orders with it (once the catalog reached order-service). */
export async function placeOrder(system: ConsoleSystem, customer: string, sku: string, card: string): Promise<string> {
  const token = await tokenOf(customer, 'customer');
  const method = await call(system.urls.payment, 'POST', '/payment-methods', token, { type: 'card', token: card });
  expect(method.status, JSON.stringify(method.body)).to.equal(201);
  const order = await eventually(async () => {
    const r = await call(system.urls.order, 'POST', '/orders', token, { items: [{ sku, quantity: 1 }], payment: { method: 'card', paymentMethodId: method.body.id } });
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    return r.body as { id: string };
  }, { timeoutMs: 15_000 });
  return order.id;
}

export async function statusOf(system: ConsoleSystem, orderId: string): Promise<string> {
  return (await call(system.urls.order, 'GET', `/orders/${orderId}`, await tokenOf('staff-fixtures', 'admin'))).body.status as string;
}
