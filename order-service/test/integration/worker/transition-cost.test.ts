import { expect } from 'chai';
import { BATCH_STATEMENT, listStatements, recordStatements, roundTrips } from '@order-platform/shared/testing';
import { seedCatalog } from '../../support/catalog.js';
import { becomes, facts, placeOrder, processed, report } from '../../support/lifecycle.js';
import { startOrderService, type OrderService } from '../../support/order-service.js';

/**
 * Round trips to Postgres are what the worker costs per message under load (issue 10). Counted
 * where every statement passes, pg's `Client#query`, inside the transactions of handler batches
 * (those that record processed messages). The batch's own statements (BEGIN, the processed
 * insert with its locks, the outbox insert, COMMIT) are shared by its messages and counted apart.
 */
const PROCESSED_INSERT = /^with fresh as \( insert into processed_messages/i;

describe('advancing orders costs the order worker one round trip per message, besides what each batch sends', function () {
  this.timeout(90_000);
  const N = 12;
  let orders: OrderService;
  let recorded: ReturnType<typeof recordStatements> | undefined;

  before(async () => {
    // one batch at a time, waiting a little to fill: the messages published while the worker is stopped come in few batches
    orders = await startOrderService({ worker: false, env: { CONSUMER_CONCURRENCY: '1', CONSUMER_FLUSH_WAIT_MS: '200' } });
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
    recorded = recordStatements();
  });

  after(async () => {
    recorded?.restore();
    await orders?.close();
  });

  it(`stock.reserved then payments.captured for ${N} orders: one statement per message (its transition), one read per batch for all its orders, two round trips per batch`, async () => {
    const placed = await Promise.all(Array.from({ length: N }, () => placeOrder(orders)));
    recorded!.sent.length = 0;
    for (const order of placed) await report(orders, 'stock.reserved', facts.reserved(order.id));
    await orders.startWorker();
    for (const order of placed) await becomes(orders, order.id, 'stock_reserved');
    await processed(orders);
    await orders.stopWorker();
    for (const order of placed) await report(orders, 'payments.captured', facts.captured(order.id, order.total.amount));
    await orders.startWorker();
    for (const order of placed) await becomes(orders, order.id, 'confirmed');
    await processed(orders);

    const counted = recorded!.sent.filter((s) => s.transaction?.batch);
    const batches = counted.filter((s) => PROCESSED_INSERT.test(s.text)).length;
    const handlers = counted.filter((s) => !BATCH_STATEMENT.test(s.text));
    const reads = handlers.filter((s) => /^select o\.\*/i.test(s.text));
    const listing = listStatements(counted);
    const messages = 2 * N;
    expect(batches, listing).to.be.within(2, messages / 2);
    expect(reads, listing).to.have.length.at.most(batches);
    expect(handlers.length, `${handlers.length / messages} per message\n${listing}`).to.be.at.most(messages + batches);
    // two round trips a batch (a line starting with + went without waiting for the one before):
    // BEGIN, the processed insert that takes the locks and, behind it, the read of the batch's
    // orders; then every transition's write, the outbox insert and COMMIT
    expect(roundTrips(counted), `round trips for ${batches} batches\n${listing}`).to.equal(2 * batches);
  });
});
