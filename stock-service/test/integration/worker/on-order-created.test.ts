import { expect } from 'chai';
import { eventually } from '@order-platform/shared/testing';
import { call, kettle, startStockService, type StockService } from '../../support/stock-service.js';
import { eventTypes, figures, orderCreated, reservationStatus, send, settled, stockEvents } from '../../support/orders.js';

describe('stock-service worker: orders.created', () => {
  let stock: StockService;

  before(async () => {
    stock = await startStockService();
    await call(stock.api.url, 'POST', '/products', kettle({ sku: 'K', onHand: 10, lowStockThreshold: 5 }));
    await call(stock.api.url, 'POST', '/products', kettle({ sku: 'M', onHand: 3, lowStockThreshold: 0 }));
    await call(stock.api.url, 'POST', '/products', kettle({ sku: 'OFF', onHand: 3 }));
    await call(stock.api.url, 'PATCH', '/products/OFF', { active: false });
    await call(stock.api.url, 'POST', '/products', kettle({ sku: 'SCARCE', onHand: 10, lowStockThreshold: 0 }));
  });

  after(async () => {
    await stock.close();
  });

  it('reserves every line and publishes stock.reserved; delivered twice, it reserves once', async () => {
    const order = orderCreated('o-reserve', [['K', 2], ['M', 1]]);
    const id = await send(stock, 'orders.created', order);
    await send(stock, 'orders.created', order, { id, msgId: `${id}-again` });
    const [reserved] = await eventTypes(stock, 'o-reserve', ['stock.reserved']);
    expect(reserved!.type).to.equal('stock.reserved');
    expect(reserved!.data['items']).to.deep.equal([{ sku: 'K', quantity: 2 }, { sku: 'M', quantity: 1 }]);
    await settled(stock);
    expect(await stockEvents(stock, 'o-reserve')).to.have.length(1);
    expect(await figures(stock, 'K')).to.deep.equal({ available: 8, reserved: 2, sold: 0, onHand: 10 });
    expect(await figures(stock, 'M')).to.deep.equal({ available: 2, reserved: 1, sold: 0, onHand: 3 });
  });

  it('rejects an order with a short line as out_of_stock, naming the line, and leaves stock untouched', async () => {
    const before = [await figures(stock, 'K'), await figures(stock, 'M')];
    await send(stock, 'orders.created', orderCreated('o-short', [['K', 1], ['M', 50]]));
    const [rejected] = await eventTypes(stock, 'o-short', ['stock.rejected']);
    expect(rejected).to.deep.include({ type: 'stock.rejected' });
    expect(rejected!.data).to.deep.include({ reason: 'out_of_stock', lines: [{ sku: 'M', requested: 50, available: 2 }] });
    expect([await figures(stock, 'K'), await figures(stock, 'M')]).to.deep.equal(before);
    expect(await reservationStatus(stock, 'o-short')).to.equal('rejected');
  });

  it('rejects an inactive or unknown product as product_unavailable', async () => {
    await send(stock, 'orders.created', orderCreated('o-off', [['OFF', 1]]));
    await send(stock, 'orders.created', orderCreated('o-ghost', [['GHOST', 1]]));
    expect((await eventTypes(stock, 'o-off', ['stock.rejected']))[0]!.data).to.include({ reason: 'product_unavailable' });
    expect((await eventTypes(stock, 'o-ghost', ['stock.rejected']))[0]!.data).to.include({ reason: 'product_unavailable' });
  });

  it('announces stock.low once, when available first falls below the threshold', async () => {
    // K: 8 available, threshold 5. One order at a time: the worker handles messages concurrently,
    // so orders sent together may reserve in any order and cross the threshold at another figure.
    for (const [orderId, quantity] of [['o-low-1', 3], ['o-low-2', 1], ['o-low-3', 1]] as const) {
      await send(stock, 'orders.created', orderCreated(orderId, [['K', quantity]])); // 5: not below; 4: below; 3: still below
      await eventTypes(stock, orderId, ['stock.reserved']);
    }
    expect((await figures(stock, 'K')).available).to.equal(3);
    await settled(stock);
    const low = await stockEvents(stock, 'K');
    expect(low.filter((e) => e.type === 'stock.low').map((e) => e.data['available'])).to.deep.equal([4]);
  });

  it('when many orders race for the last units, never oversells', async () => {
    const orders = Array.from({ length: 40 }, (_, i) => orderCreated(`o-race-${i}`, [['SCARCE', 1], ...(i % 2 ? [['M', 1] as [string, number]] : [])]));
    await Promise.all(orders.map((o) => send(stock, 'orders.created', o)));
    await eventually(async () => {
      const rows = await stock.api.resources.db('reservations').where('order_id', 'like', 'o-race-%');
      expect(rows).to.have.length(40);
    }, { timeoutMs: 20_000 });
    const scarce = await figures(stock, 'SCARCE');
    const m = await figures(stock, 'M');
    expect(scarce.available, 'the last units all went').to.equal(0);
    expect(m.available).to.be.at.least(0);
    const reserved = await stock.api.resources.db('reservations').where('order_id', 'like', 'o-race-%').andWhere({ status: 'reserved' });
    expect(scarce.reserved).to.equal(reserved.length);
    expect(scarce.available + scarce.reserved).to.equal(10);
  });
});
