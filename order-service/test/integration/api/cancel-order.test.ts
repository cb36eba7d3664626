import { expect } from 'chai';
import { asAdmin, eventually } from '@order-platform/shared/testing';
import { seedCatalog } from '../../support/catalog.js';
import { becomes, facts, outcomes, placeOrder, report } from '../../support/lifecycle.js';
import { call, startOrderService, type OrderService } from '../../support/order-service.js';

describe('cancelling an order, its history and its status stream', () => {
  let orders: OrderService;

  before(async () => {
    orders = await startOrderService();
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
  });

  after(async () => {
    await orders.close();
  });

  it('cancels a pending order with 202 and publishes orders.cancelled; a second cancel is 409', async () => {
    const order = await placeOrder(orders);
    const response = await call(orders.api.url, 'POST', `/orders/${order.id}/cancel`);
    expect(response.status).to.equal(202);
    expect(response.body).to.include({ status: 'cancelled', cancellationReason: 'customer_request' });
    const again = await call(orders.api.url, 'POST', `/orders/${order.id}/cancel`);
    expect(again.status).to.equal(409);
    expect(again.headers.get('content-type')).to.match(/^application\/problem\+json/);
    await eventually(async () => expect((await outcomes(orders, order.id)).map((o) => [o.type, o.data['previousStatus']])).to.deep.equal([['orders.cancelled', 'pending']]));
  });

  it('cancels a confirmed order, telling compensations it was confirmed', async () => {
    const order = await placeOrder(orders);
    await report(orders, 'payments.captured', facts.captured(order.id, order.total.amount));
    await becomes(orders, order.id, 'confirmed');
    expect((await call(orders.api.url, 'POST', `/orders/${order.id}/cancel`)).status).to.equal(202);
    await eventually(async () => expect((await outcomes(orders, order.id)).map((o) => [o.type, o.data['previousStatus'] ?? null])).to.deep.equal([['orders.confirmed', null], ['orders.cancelled', 'confirmed']]));
  });

  it('answers 404 for an unknown order', async () => {
    expect((await call(orders.api.url, 'POST', '/orders/00000000-0000-4000-8000-000000000000/cancel')).status).to.equal(404);
    expect((await call(orders.api.url, 'GET', '/orders/00000000-0000-4000-8000-000000000000/events')).status).to.equal(404);
    expect((await call(orders.api.url, 'GET', '/orders/00000000-0000-4000-8000-000000000000/stream')).status).to.equal(404);
  });

  it('lists every transition with its cause', async () => {
    const order = await placeOrder(orders);
    const reservedId = await report(orders, 'stock.reserved', facts.reserved(order.id));
    await becomes(orders, order.id, 'stock_reserved');
    await call(orders.api.url, 'POST', `/orders/${order.id}/cancel`);
    const history = (await call(orders.api.url, 'GET', `/orders/${order.id}/events`)).body;
    expect(history.map(({ from, to, cause, eventId, reason }: Record<string, unknown>) => ({ from, to, cause, eventId, reason }))).to.deep.equal([
      { from: null, to: 'pending', cause: 'POST /orders', eventId: null, reason: null },
      { from: 'pending', to: 'stock_reserved', cause: 'stock.reserved', eventId: reservedId, reason: null },
      { from: 'stock_reserved', to: 'cancelled', cause: 'POST /orders/:id/cancel', eventId: null, reason: 'customer_request' },
    ]);
  });

  it('streams status changes as server-sent events and ends at the terminal status', async () => {
    const order = await placeOrder(orders);
    const response = await fetch(`${orders.api.url}/orders/${order.id}/stream`, { headers: await asAdmin() });
    expect(response.headers.get('content-type')).to.match(/^text\/event-stream/);
    const text = response.text();
    await report(orders, 'stock.reserved', facts.reserved(order.id));
    await becomes(orders, order.id, 'stock_reserved');
    await report(orders, 'payments.captured', facts.captured(order.id, order.total.amount));
    const events = (await text).split('\n\n').filter(Boolean).map((block) => JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6)).status);
    expect(events).to.deep.equal(['pending', 'stock_reserved', 'confirmed']);
  });
});
