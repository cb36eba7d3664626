import { expect } from 'chai';
import { asAdmin, asCustomer, callAs, eventually } from '@order-platform/shared/testing';
import type { System } from './system.js';

/** Staff's calls: the catalog, payments, any order. */
export const call = callAs(asAdmin());
/** The customer who places the orders, as a client would. */
const shopper = callAs(asCustomer('shopper'));

export async function createProducts(system: System, products: { sku: string; onHand: number; price?: number }[]): Promise<void> {
  for (const p of products) {
    const r = await call(system.urls.stock, 'POST', '/products', { sku: p.sku, name: p.sku, price: { amount: p.price ?? 1000, currency: 'EUR' }, onHand: p.onHand, lowStockThreshold: 1 });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
  }
  // orderable once the catalog reached order-service
  await eventually(async () => {
    const rows = await system.services.order.api.resources.db('catalog').whereIn('sku', products.map((p) => p.sku));
    expect(rows).to.have.length(products.length);
  }, { timeoutMs: 20_000 });
}

export interface Placed {
  id: string;
  total: number;
  token: string;
}

/** As a client does: the card goes to payment-service, the order names the payment method it answered. */
export async function placeOrder(system: System, token: string, items: { sku: string; quantity: number }[]): Promise<Placed> {
  const card = await shopper(system.urls.payment, 'POST', '/payment-methods', { type: 'card', token });
  expect(card.status, JSON.stringify(card.body)).to.equal(201);
  const r = await shopper(system.urls.order, 'POST', '/orders', { items, payment: { method: 'card', paymentMethodId: card.body.id } });
  expect(r.status, JSON.stringify(r.body)).to.equal(202);
  return { id: r.body.id, total: r.body.total.amount, token };
}

export async function order(system: System, id: string) {
  return (await call(system.urls.order, 'GET', `/orders/${id}`)).body as { status: string; cancellationReason: string | null; total: { amount: number } };
}

export async function payments(system: System, orderId: string) {
  return (await call(system.urls.payment, 'GET', `/payments?orderId=${orderId}`)).body as { status: string; amount: { amount: number } | null; attempts: number }[];
}

export async function product(system: System, sku: string) {
  return (await call(system.urls.stock, 'GET', `/products/${sku}`)).body as { onHand: number; available: number; reserved: number; sold: number };
}

/** Waits until every order is confirmed or cancelled; returns their final states. */
export async function settle(system: System, ids: string[], timeoutMs = 120_000): Promise<Map<string, { status: string; cancellationReason: string | null }>> {
  return eventually(async () => {
    const rows: { id: string; status: string; cancellation_reason: string | null }[] = await system.services.order.api.resources.db('orders').whereIn('id', ids).select('id', 'status', 'cancellation_reason');
    const open = rows.filter((r) => r.status !== 'confirmed' && r.status !== 'cancelled');
    if (open.length > 0 || rows.length !== ids.length) throw new Error(`${open.length} of ${ids.length} orders not finished yet`);
    return new Map(rows.map((r) => [r.id, { status: r.status, cancellationReason: r.cancellation_reason }]));
  }, { timeoutMs, intervalMs: 250 });
}
