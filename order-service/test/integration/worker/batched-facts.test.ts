import { expect } from 'chai';
import { eventually, readStream } from '@order-platform/shared/testing';
import { seedCatalog } from '../../support/catalog.js';
import { becomes, facts, outcomes, placeOrder, processed, report } from '../../support/lifecycle.js';
import { call, startOrderService, type OrderService } from '../../support/order-service.js';

/**
 * A batch reads its orders once, before its handlers run (the subscription's prefetch): what
 * they decide must be what handling the events one at a time decides. Events are published
 * while the worker is stopped, so they come in one batch per consumer when it starts.
 */
describe('events handled in one batch advance their orders as one at a time would', function () {
  this.timeout(60_000);
  let orders: OrderService;

  before(async () => {
    orders = await startOrderService({ worker: false, env: { CONSUMER_CONCURRENCY: '1', CONSUMER_FLUSH_WAIT_MS: '200' } });
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
  });

  after(async () => {
    await orders.close();
  });

  async function batched(publish: () => Promise<void>): Promise<void> {
    await orders.stopWorker();
    await publish();
    await orders.startWorker();
    await processed(orders);
  }

  /** The order's history as transitions and causes, and the events published about it (without times and ids). */
  async function story(id: string) {
    const history = (await call(orders.api.url, 'GET', `/orders/${id}/events`)).body as Array<{ from: string | null; to: string; cause: string }>;
    const published = (await outcomes(orders, id)).map((o) => ({ type: o.type, previousStatus: o.data.previousStatus, reason: o.data.reason }));
    const { status, cancellationReason } = (await call(orders.api.url, 'GET', `/orders/${id}`)).body;
    return { status, cancellationReason, history: history.map((h) => ({ from: h.from, to: h.to, cause: h.cause })), published };
  }

  it('when one order has two reservations, then two captures, each pair in one batch, it moves once per step: the same history and events as one at a time', async () => {
    const [inBatch, oneByOne] = [await placeOrder(orders), await placeOrder(orders)];
    await batched(async () => {
      await report(orders, 'stock.reserved', facts.reserved(inBatch.id));
      await report(orders, 'stock.reserved', facts.reserved(inBatch.id));
    });
    await batched(async () => {
      await report(orders, 'payments.captured', facts.captured(inBatch.id, inBatch.total.amount));
      await report(orders, 'payments.captured', facts.captured(inBatch.id, inBatch.total.amount));
    });
    for (const type of ['stock.reserved', 'stock.reserved', 'payments.captured', 'payments.captured'] as const) {
      await report(orders, type, type === 'stock.reserved' ? facts.reserved(oneByOne.id) : facts.captured(oneByOne.id, oneByOne.total.amount));
      await processed(orders);
    }
    await eventually(async () => expect(await outcomes(orders, inBatch.id)).to.have.length(1));
    const expected = await story(oneByOne.id);
    expect(expected.history.map((h) => h.to)).to.deep.equal(['pending', 'stock_reserved', 'confirmed']);
    expect(expected.published.map((p) => p.type)).to.deep.equal(['orders.confirmed']);
    expect(await story(inBatch.id)).to.deep.equal(expected);
  });

  it('when two failures of one order come in one batch, the first cancels it and the second changes nothing', async () => {
    const order = await placeOrder(orders);
    await batched(async () => {
      await report(orders, 'payments.failed', facts.failed(order.id));
      await report(orders, 'payments.failed', facts.failed(order.id, 'payment_unavailable'));
    });
    const told = await story(order.id);
    expect(told).to.deep.include({ status: 'cancelled', cancellationReason: 'payment_declined' });
    expect(told.history.map((h) => h.to)).to.deep.equal(['pending', 'cancelled']);
    expect(told.published).to.deep.equal([{ type: 'orders.cancelled', previousStatus: 'pending', reason: 'payment_declined' }]);
  });

  it('when one capture of a batch contradicts its order, it alone is dead-lettered: the others confirm their orders once, a second capture of one of them changes nothing', async () => {
    const [first, forgedFor, last] = [await placeOrder(orders), await placeOrder(orders), await placeOrder(orders)];
    let forged = '';
    await batched(async () => {
      await report(orders, 'payments.captured', facts.captured(first.id, first.total.amount));
      forged = await report(orders, 'payments.captured', facts.captured(forgedFor.id, 1));
      await report(orders, 'payments.captured', facts.captured(last.id, last.total.amount));
      await report(orders, 'payments.captured', facts.captured(first.id, first.total.amount));
    });
    const dead = await eventually(async () => {
      const found = (await readStream(orders.api.resources.nc, orders.topology.stream('DLQ'))).filter((m) => m.headers['ce-id'] === forged);
      expect(found).to.have.length(1);
      return found[0]!;
    });
    expect(dead.headers['dlq-error-kind']).to.equal('permanent');
    for (const order of [first, last]) {
      await eventually(async () => expect(await outcomes(orders, order.id)).to.have.length(1));
      const told = await story(order.id);
      expect(told.status).to.equal('confirmed');
      expect(told.history.map((h) => h.to)).to.deep.equal(['pending', 'confirmed']);
      expect(told.published.map((p) => p.type)).to.deep.equal(['orders.confirmed']);
    }
    expect((await story(forgedFor.id)).history.map((h) => h.to)).to.deep.equal(['pending']);
    await report(orders, 'payments.captured', facts.captured(forgedFor.id, forgedFor.total.amount));
    await becomes(orders, forgedFor.id, 'confirmed');
  });
});
