import { expect } from 'chai';
import { eventually } from '@order-platform/shared/testing';
import { call, kettle, startStockService, type StockService } from '../../support/stock-service.js';
import { eventTypes, orderCreated, reservationStatus, send } from '../../support/orders.js';

describe("stock-service: an order's records for the console (GET /admin/orders/:id/records)", () => {
  let stock: StockService;

  before(async () => {
    stock = await startStockService();
    await call(stock.api.url, 'POST', '/products', kettle({ sku: 'REC', onHand: 5, lowStockThreshold: 0 }));
  });

  after(async () => {
    await stock.close();
  });

  const records = async (orderId: string) => {
    const { status, body } = await call(stock.api.url, 'GET', `/admin/orders/${orderId}/records`);
    expect(status).to.equal(200);
    return body;
  };

  it('shows the reservation with its lines, then committed; an event delivered twice is handled once', async () => {
    const order = orderCreated('o-rec-committed', [['REC', 2]]);
    const created = await send(stock, 'orders.created', order);
    await send(stock, 'orders.created', order, { id: created, msgId: `${created}-again` });
    await eventTypes(stock, order.orderId, ['stock.reserved']);
    await send(stock, 'orders.confirmed', { orderId: order.orderId, customerId: order.customerId, items: order.items, total: order.total, confirmedAt: new Date().toISOString() });
    await eventually(async () => expect(await reservationStatus(stock, order.orderId)).to.equal('committed'));

    const body = await eventually(async () => {
      const found = await records(order.orderId);
      expect(found.handled).to.have.length(2);
      return found;
    });
    expect(body.records.map((r: { kind: string; summary: string }) => [r.kind, r.summary])).to.deep.equal([
      ['reservation', 'reservation of 2 unit(s) in 1 line(s)'],
      ['reservation-status', 'reservation committed'],
    ]);
    expect(body.records[0].details).to.deep.equal({ lines: [{ sku: 'REC', quantity: 2 }] });
    expect(body.handled.map((h: { consumer: string; messageId: string; deliveries: number }) => [h.consumer, h.deliveries])).to.deep.equal([
      ['stock-service-orders-created', 1],
      ['stock-service-orders-confirmed', 1],
    ]);
    expect(body.handled[0].messageId).to.equal(created);
  });

  it('shows a rejected reservation, and nothing for an order it never heard of', async () => {
    await send(stock, 'orders.created', orderCreated('o-rec-short', [['REC', 50]]));
    await eventTypes(stock, 'o-rec-short', ['stock.rejected']);
    const body = await records('o-rec-short');
    expect(body.records.map((r: { kind: string }) => r.kind)).to.deep.equal(['reservation', 'reservation-status']);
    expect(body.records[1].details).to.include({ status: 'rejected' });
    expect(await records('o-never')).to.deep.equal({ service: 'stock-service', orderId: 'o-never', records: [], handled: [] });
  });
});
