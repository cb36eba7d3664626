import { expect } from 'chai';
import { BATCH_STATEMENT, eventually, listStatements, recordStatements, roundTrips, type RecordedStatement } from '@order-platform/shared/testing';
import { call, kettle, startStockService, type StockService } from '../../support/stock-service.js';
import { orderCancelled, orderCreated, reservationStatus, send, settled } from '../../support/orders.js';

/**
 * Round trips to Postgres are what the worker costs per order under load (issue 10). Counted where
 * every statement passes, pg's `Client#query`: the statements the handlers send inside their
 * batches' transactions. The batch's own statements (BEGIN, the processed-messages insert with its
 * locks, the outbox insert, COMMIT) are shared by every message of a batch and are counted apart;
 * the relay's and the api's are not in a batch.
 */
describe('handling an order costs the stock worker few round trips', function () {
  this.timeout(60_000);
  let stock: StockService;
  let recorded: ReturnType<typeof recordStatements> | undefined;

  before(async () => {
    recorded = recordStatements();
    stock = await startStockService();
    await call(stock.api.url, 'POST', '/products', kettle({ sku: 'COST-K', onHand: 50, lowStockThreshold: 0 }));
    await call(stock.api.url, 'POST', '/products', kettle({ sku: 'COST-M', onHand: 50, lowStockThreshold: 0 }));
  });

  after(async () => {
    recorded?.restore();
    await stock?.close();
  });

  /** Sends each event of an order once the one before is handled (its reservation has the status given); answers the handlers' statements. */
  async function handleCounted(orderId: string, steps: Array<[send: () => Promise<unknown>, status: string]>) {
    await settled(stock);
    recorded!.sent.length = 0;
    for (const [sendEvent, status] of steps) {
      await sendEvent();
      await eventually(async () => expect(await reservationStatus(stock, orderId)).to.equal(status));
    }
    await settled(stock);
    const counted = recorded!.sent.filter((s) => s.transaction?.batch);
    // each batch's statements, in the order the batches ran
    const batches = new Map<object, RecordedStatement[]>();
    for (const s of counted) batches.set(s.transaction!, [...(batches.get(s.transaction!) ?? []), s]);
    const handlers = [...batches.values()].map((batch) => batch.filter((s) => !BATCH_STATEMENT.test(s.text)));
    return { handlers, roundTrips: [...batches.values()].map(roundTrips), all: listStatements(counted) };
  }

  // Each batch locks and reads its products and reservations right behind its own first
  // statement (its prefetch), and sends each order's write with the events and COMMIT: two round
  // trips, whatever the batch holds, and two statements from the handlers of a one-order batch.

  it('orders.created (reserved), then orders.confirmed: two round trips each', async () => {
    const order = orderCreated('o-cost-confirm', [['COST-K', 2], ['COST-M', 1]]);
    const confirmed = { orderId: order.orderId, customerId: 'c1', items: order.items, total: order.total, confirmedAt: new Date().toISOString() };
    const { handlers, roundTrips: trips, all } = await handleCounted(order.orderId, [
      [() => send(stock, 'orders.created', order), 'reserved'],
      [() => send(stock, 'orders.confirmed', confirmed), 'committed'],
    ]);
    expect(trips, all).to.deep.equal([2, 2]);
    expect(handlers.map((h) => h.length), all).to.deep.equal([2, 2]);
  });

  it('orders.created (reserved), then orders.cancelled: two round trips each', async () => {
    const order = orderCreated('o-cost-cancel', [['COST-K', 1]]);
    const { handlers, roundTrips: trips, all } = await handleCounted(order.orderId, [
      [() => send(stock, 'orders.created', order), 'reserved'],
      [() => send(stock, 'orders.cancelled', orderCancelled(order, 'stock_reserved')), 'released'],
    ]);
    expect(trips, all).to.deep.equal([2, 2]);
    expect(handlers.map((h) => h.length), all).to.deep.equal([2, 2]);
  });

  it('orders.created (rejected, out of stock): two round trips', async () => {
    const order = orderCreated('o-cost-reject', [['COST-K', 1], ['COST-M', 500]]);
    const { handlers, roundTrips: trips, all } = await handleCounted(order.orderId, [[() => send(stock, 'orders.created', order), 'rejected']]);
    expect(trips, all).to.deep.equal([2]);
    expect(handlers.map((h) => h.length), all).to.deep.equal([2]);
  });
});
