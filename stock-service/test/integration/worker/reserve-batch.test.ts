import { expect } from 'chai';
import { call, kettle, startStockService, type StockService } from '../../support/stock-service.js';
import { eventTypes, figures, orderCreated, reservationStatus, send, settled, stockEvents } from '../../support/orders.js';

/**
 * orders.created handled a batch at a time: the batch locks and reads all its orders' products
 * and reservations with one statement before its handlers run (their prefetch), and each order
 * must be decided on the levels the orders before it in the batch left, as one at a time would.
 */
describe('stock-service worker: a batch of orders.created', function () {
  this.timeout(60_000);
  let stock: StockService;

  before(async () => {
    stock = await startStockService();
    await call(stock.api.url, 'POST', '/products', kettle({ sku: 'BATCH-K', onHand: 7, lowStockThreshold: 4 }));
    await call(stock.api.url, 'POST', '/products', kettle({ sku: 'BATCH-M', onHand: 100, lowStockThreshold: 0 }));
  });

  after(async () => {
    await stock?.close();
  });

  it('reserves in delivery order on the levels the earlier orders left: no oversell, stock.low once, an order seen twice reserved once', async () => {
    // all of them wait in the stream, so the worker takes them in one pull
    await stock.stopWorker();
    const orders = Array.from({ length: 6 }, (_, i) => orderCreated(`o-batch-${i}`, [['BATCH-K', 2], ['BATCH-M', 1]]));
    for (const order of orders) await send(stock, 'orders.created', order);
    // the first order announced again under another id: seen twice in the batch
    await send(stock, 'orders.created', orders[0]!);
    await stock.startWorker();

    // 7 units, 2 per order: the first three are reserved (7 → 5 → 3 → 1), the rest find 1 left
    for (const [i, order] of orders.entries()) {
      const [decided] = await eventTypes(stock, order.orderId, [i < 3 ? 'stock.reserved' : 'stock.rejected']);
      if (i >= 3) expect(decided!.data).to.deep.include({ reason: 'out_of_stock', lines: [{ sku: 'BATCH-K', requested: 2, available: 1 }] });
      expect(await reservationStatus(stock, order.orderId)).to.equal(i < 3 ? 'reserved' : 'rejected');
    }
    await settled(stock);
    expect(await figures(stock, 'BATCH-K')).to.deep.equal({ available: 1, reserved: 6, sold: 0, onHand: 7 });
    expect(await figures(stock, 'BATCH-M')).to.deep.equal({ available: 97, reserved: 3, sold: 0, onHand: 100 });
    // the order seen twice: one decision, one event
    expect((await stockEvents(stock, orders[0]!.orderId)).map((e) => e.type)).to.deep.equal(['stock.reserved']);
    // below the threshold of 4 once, by the second order (5 → 3), never again
    const low = (await stockEvents(stock, 'BATCH-K')).filter((e) => e.type === 'stock.low');
    expect(low.map((e) => e.data['available'])).to.deep.equal([3]);
    // in one transaction: the batch, not one message after another
    const handled = await stock.api.resources
      .db('processed_messages')
      .whereIn('entity_id', orders.map((o) => o.orderId))
      .select('processed_at');
    expect(handled).to.have.length(7);
    expect(new Set(handled.map((row: { processed_at: Date }) => row.processed_at.getTime())).size).to.equal(1);
  });
});
