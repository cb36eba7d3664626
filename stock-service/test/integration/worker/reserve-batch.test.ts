import { expect } from 'chai';
import { call, kettle, startStockService, type StockService } from '../../support/stock-service.js';
import { eventTypes, figures, orderCancelled, orderCreated, reservationStatus, send, settled, stockEvents } from '../../support/orders.js';

/**
 * Order events handled a batch at a time: the batch locks and reads all its orders' products and
 * reservations with one statement before its handlers run (their prefetch), and each order must
 * be decided on what the events before it in the batch left, as one at a time would.
 */
describe('stock-service worker: a batch of orders.created, orders.confirmed or orders.cancelled', function () {
  this.timeout(60_000);
  let stock: StockService;

  before(async () => {
    // a batch lingers until it is full or a second has passed: the messages waiting in the stream
    // may reach the worker in more than one read, and each phase below is to be one batch
    stock = await startStockService({ env: { CONSUMER_FLUSH_WAIT_MS: '1000' } });
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

    // then a batch of confirms (one order's twice), and after it one of cancels: of a reserved
    // order, a rejected one, an order never seen (twice), and a confirmed one
    await stock.stopWorker();
    const confirmed = (order: (typeof orders)[number]) => ({ orderId: order.orderId, customerId: 'c1', items: order.items, total: order.total, confirmedAt: new Date().toISOString() });
    for (const order of orders.slice(0, 2)) await send(stock, 'orders.confirmed', confirmed(order));
    await send(stock, 'orders.confirmed', confirmed(orders[0]!));
    await stock.startWorker();
    await settled(stock);
    expect(await Promise.all(orders.slice(0, 3).map((o) => reservationStatus(stock, o.orderId)))).to.deep.equal(['committed', 'committed', 'reserved']);
    expect(await figures(stock, 'BATCH-K')).to.deep.equal({ available: 1, reserved: 2, sold: 4, onHand: 3 });
    await stock.stopWorker();
    const ghost = orderCreated('o-batch-ghost', [['BATCH-K', 1]]);
    for (const cancel of [orderCancelled(orders[2]!, 'stock_reserved'), orderCancelled(orders[4]!, 'pending'), orderCancelled(ghost, 'pending'), orderCancelled(ghost, 'pending'), orderCancelled(orders[1]!, 'confirmed')]) {
      await send(stock, 'orders.cancelled', cancel);
    }
    await stock.startWorker();
    await eventTypes(stock, orders[1]!.orderId, ['stock.released']);
    await settled(stock);
    expect(await Promise.all([...orders.slice(0, 5), ghost].map((o) => reservationStatus(stock, o.orderId)))).to.deep.equal(['committed', 'restocked', 'released', 'rejected', 'rejected', 'cancelled']);
    // order 0 sold, 1 sold then restocked, 2 released: 2 units sold, none reserved
    expect(await figures(stock, 'BATCH-K')).to.deep.equal({ available: 5, reserved: 0, sold: 2, onHand: 5 });
    expect(await figures(stock, 'BATCH-M')).to.deep.equal({ available: 99, reserved: 0, sold: 1, onHand: 99 });
    const released = async (order: { orderId: string }) => (await stockEvents(stock, order.orderId)).filter((e) => e.type === 'stock.released').map((e) => e.data['mode']);
    expect(await released(orders[1]!)).to.deep.equal(['restocked']);
    expect(await released(orders[2]!)).to.deep.equal(['released']);
    expect(await released(orders[4]!)).to.deep.equal([]);
    expect(await released(ghost)).to.deep.equal([]);
    const settledAt = await stock.api.resources
      .db('processed_messages')
      .whereIn('entity_id', [...orders, ghost].map((o) => o.orderId))
      .andWhere('subject', 'not like', '%orders.created')
      .select('subject', 'processed_at');
    expect(settledAt).to.have.length(8);
    // one transaction for the confirms, one for the cancels
    expect(new Set(settledAt.map((row: { processed_at: Date }) => row.processed_at.getTime())).size, JSON.stringify(settledAt)).to.equal(2);
  });
});
