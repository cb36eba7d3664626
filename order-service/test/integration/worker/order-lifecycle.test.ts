import { expect } from 'chai';
import { eventually } from '@order-platform/shared/testing';
import { seedCatalog } from '../../support/catalog.js';
import { becomes, facts, outcomes, placeOrder, processed, report } from '../../support/lifecycle.js';
import { call, startOrderService, type OrderService } from '../../support/order-service.js';

describe('order lifecycle: events from stock and payment', () => {
  let orders: OrderService;

  before(async () => {
    orders = await startOrderService();
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
  });

  after(async () => {
    await orders.close();
  });

  it('when stock is reserved twice, the order moves to stock_reserved once', async () => {
    const order = await placeOrder(orders);
    const id = await report(orders, 'stock.reserved', facts.reserved(order.id));
    await report(orders, 'stock.reserved', facts.reserved(order.id), { id, msgId: `${id}-again` });
    await becomes(orders, order.id, 'stock_reserved');
    await processed(orders);
    const history = (await call(orders.api.url, 'GET', `/orders/${order.id}/events`)).body;
    expect(history.map((h: { to: string }) => h.to)).to.deep.equal(['pending', 'stock_reserved']);
    expect(history[1]).to.include({ from: 'pending', cause: 'stock.reserved', eventId: id });
  });

  it('when the payment is captured, the order is confirmed once and orders.confirmed is published once', async () => {
    const order = await placeOrder(orders);
    await report(orders, 'stock.reserved', facts.reserved(order.id));
    await becomes(orders, order.id, 'stock_reserved');
    const id = await report(orders, 'payments.captured', facts.captured(order.id, order.total.amount));
    await report(orders, 'payments.captured', facts.captured(order.id, order.total.amount), { id, msgId: `${id}-again` });
    await becomes(orders, order.id, 'confirmed');
    await eventually(async () => expect(await outcomes(orders, order.id)).to.have.length(1));
    await processed(orders);
    const [confirmed, ...more] = await outcomes(orders, order.id);
    expect(more).to.deep.equal([]);
    expect(confirmed!.type).to.equal('orders.confirmed');
    expect(confirmed!.data).to.deep.include({ orderId: order.id, total: order.total });
  });

  it('when payments.captured arrives before stock.reserved, the order is confirmed and the late reservation changes nothing', async () => {
    const order = await placeOrder(orders);
    await report(orders, 'payments.captured', facts.captured(order.id, order.total.amount));
    await becomes(orders, order.id, 'confirmed');
    await report(orders, 'stock.reserved', facts.reserved(order.id));
    await processed(orders);
    expect((await call(orders.api.url, 'GET', `/orders/${order.id}`)).body.status).to.equal('confirmed');
    const history = (await call(orders.api.url, 'GET', `/orders/${order.id}/events`)).body;
    expect(history.map((h: { to: string }) => h.to)).to.deep.equal(['pending', 'confirmed']);
  });

  it('when stock is rejected, the order is cancelled as out_of_stock and orders.cancelled says it was pending', async () => {
    const order = await placeOrder(orders);
    await report(orders, 'stock.rejected', facts.rejected(order.id));
    await becomes(orders, order.id, 'cancelled', 'out_of_stock');
    const [cancelled] = await eventually(async () => {
      const found = await outcomes(orders, order.id);
      expect(found).to.have.length(1);
      return found;
    });
    expect(cancelled!.data).to.include({ reason: 'out_of_stock', previousStatus: 'pending' });
  });

  it('when the payment fails, the order is cancelled with the payment reason', async () => {
    const declined = await placeOrder(orders);
    await report(orders, 'stock.reserved', facts.reserved(declined.id));
    await becomes(orders, declined.id, 'stock_reserved');
    await report(orders, 'payments.failed', facts.failed(declined.id));
    await becomes(orders, declined.id, 'cancelled', 'payment_declined');
    const unavailable = await placeOrder(orders);
    await report(orders, 'payments.failed', facts.failed(unavailable.id, 'payment_unavailable'));
    await becomes(orders, unavailable.id, 'cancelled', 'payment_unavailable');
    await eventually(async () => expect((await outcomes(orders, declined.id))[0]!.data).to.include({ previousStatus: 'stock_reserved', reason: 'payment_declined' }));
  });

  it('when a payment is captured for an order the customer cancelled, the order stays cancelled', async () => {
    const order = await placeOrder(orders);
    expect((await call(orders.api.url, 'POST', `/orders/${order.id}/cancel`)).status).to.equal(202);
    await report(orders, 'payments.captured', facts.captured(order.id, order.total.amount));
    await processed(orders);
    await becomes(orders, order.id, 'cancelled', 'customer_request');
    expect((await outcomes(orders, order.id)).map((o) => o.type)).to.deep.equal(['orders.cancelled']);
  });
});
