import { expect } from 'chai';
import { eventually } from '@order-platform/shared/testing';
import { call, kettle, startStockService, type StockService } from '../../support/stock-service.js';
import { eventTypes, figures, orderCancelled, orderCreated, reservationStatus, send, settled, stockEvents } from '../../support/orders.js';

describe('stock-service worker: orders.confirmed and orders.cancelled', () => {
  let stock: StockService;

  before(async () => {
    stock = await startStockService();
    await call(stock.api.url, 'POST', '/products', kettle({ sku: 'K', onHand: 20, lowStockThreshold: 0 }));
  });

  after(async () => {
    await stock.close();
  });

  async function reserve(orderId: string, quantity: number) {
    const order = orderCreated(orderId, [['K', quantity]]);
    await send(stock, 'orders.created', order);
    await eventTypes(stock, orderId, ['stock.reserved']);
    return order;
  }

  it('commits a reservation on orders.confirmed: reserved units become sold; delivered twice, once', async () => {
    const start = await figures(stock, 'K');
    const order = await reserve('o-confirm', 2);
    const confirmed = { orderId: order.orderId, customerId: 'c1', items: order.items, total: order.total, confirmedAt: new Date().toISOString() };
    const id = await send(stock, 'orders.confirmed', confirmed);
    await send(stock, 'orders.confirmed', confirmed, { id, msgId: `${id}-again` });
    await eventually(async () => expect(await reservationStatus(stock, 'o-confirm')).to.equal('committed'));
    await settled(stock);
    expect(await figures(stock, 'K')).to.deep.equal({ available: start.available - 2, reserved: start.reserved, sold: start.sold + 2, onHand: start.onHand - 2 });
  });

  it('releases a reservation on orders.cancelled and publishes stock.released; delivered twice, once', async () => {
    const start = await figures(stock, 'K');
    const order = await reserve('o-release', 3);
    const id = await send(stock, 'orders.cancelled', orderCancelled(order, 'stock_reserved'));
    await send(stock, 'orders.cancelled', orderCancelled(order, 'stock_reserved'), { id, msgId: `${id}-again` });
    const events = await eventTypes(stock, 'o-release', ['stock.reserved', 'stock.released']);
    expect(events[1]!.data).to.deep.include({ mode: 'released', items: [{ sku: 'K', quantity: 3 }] });
    await settled(stock);
    expect(await stockEvents(stock, 'o-release')).to.have.length(2);
    expect(await figures(stock, 'K')).to.deep.equal(start);
  });

  it('restocks sold units when a confirmed order is cancelled', async () => {
    const start = await figures(stock, 'K');
    const order = await reserve('o-restock', 4);
    await send(stock, 'orders.confirmed', { orderId: order.orderId, customerId: 'c1', items: order.items, total: order.total, confirmedAt: new Date().toISOString() });
    await eventually(async () => expect(await reservationStatus(stock, 'o-restock')).to.equal('committed'));
    await send(stock, 'orders.cancelled', orderCancelled(order, 'confirmed'));
    const events = await eventTypes(stock, 'o-restock', ['stock.reserved', 'stock.released']);
    expect(events[1]!.data).to.include({ mode: 'restocked' });
    expect(await figures(stock, 'K')).to.deep.equal(start);
  });

  it('when the cancel arrives before the order, reserves nothing for the late order', async () => {
    const start = await figures(stock, 'K');
    const order = orderCreated('o-early-cancel', [['K', 5]]);
    await send(stock, 'orders.cancelled', orderCancelled(order, 'pending'));
    await eventually(async () => expect(await reservationStatus(stock, 'o-early-cancel')).to.equal('cancelled'));
    await send(stock, 'orders.created', order);
    await settled(stock);
    expect(await stockEvents(stock, 'o-early-cancel')).to.deep.equal([]);
    expect(await figures(stock, 'K')).to.deep.equal(start);
  });

  it('ignores a confirmation or cancellation of a rejected order', async () => {
    const start = await figures(stock, 'K');
    const order = orderCreated('o-rejected', [['K', 1000]]);
    await send(stock, 'orders.created', order);
    await eventTypes(stock, 'o-rejected', ['stock.rejected']);
    await send(stock, 'orders.cancelled', { ...orderCancelled(order, 'pending'), reason: 'out_of_stock' });
    await settled(stock);
    expect(await reservationStatus(stock, 'o-rejected')).to.equal('rejected');
    expect(await figures(stock, 'K')).to.deep.equal(start);
  });
});
