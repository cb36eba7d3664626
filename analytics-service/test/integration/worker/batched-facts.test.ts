import { expect } from 'chai';
import { inTransaction, newEvent, producerOf, type AnyEventEnvelope } from '@order-platform/shared';
import { readStream } from '@order-platform/shared/testing';
import { onEvent } from '../../../src/worker/handlers/on-event.js';
import { publishAll, settled, startAnalyticsService, today, type AnalyticsService, type Published } from '../../support/analytics-service.js';
import { expectedDay, story, utcToday } from '../../support/story.js';

/**
 * A batch writes its events' facts with one statement per table (rows merged per key in memory
 * first): the read model must be what the same events leave handled one at a time.
 */
describe('analytics-service worker: a batch of events leaves what they leave one at a time', () => {
  const day = utcToday();
  const services: AnalyticsService[] = [];

  afterEach(async () => {
    for (const sut of services.splice(0)) await sut.close();
  });

  /** The worker starts once every event is published: with the flush wait, a consumer's first batch takes all of its events, up to `batchSize`. */
  async function handled(events: Published[], batchSize: number): Promise<AnalyticsService> {
    const sut = await startAnalyticsService({ worker: false, env: { CONSUMER_BATCH_SIZE: String(batchSize), CONSUMER_FLUSH_WAIT_MS: '200' } });
    services.push(sut);
    await publishAll(sut, events);
    await sut.startWorker();
    await settled(sut);
    return sut;
  }

  async function readModel(sut: AnalyticsService) {
    const db = sut.api.resources.db;
    return {
      events: await db('analytics_events').select('*').orderBy('id'),
      orders: await db('analytics_orders').select('*').orderBy('order_id'),
      lowStock: await db('analytics_low_stock').select('*').orderBy('sku'),
    };
  }

  /** How many transactions wrote the rows of `table` (by their `xmin`). */
  async function transactions(sut: AnalyticsService, table: string): Promise<number> {
    const { rows } = await sut.api.resources.db.raw<{ rows: Array<{ n: string }> }>(`select count(distinct xmin::text) as n from ${table}`);
    return Number(rows[0]!.n);
  }

  it('when four days of events are handled in batches of 50, the read model and the figures equal those of batches of one', async () => {
    const events = [0, 1, 2, 3].flatMap((back) => story(new Date(day.getTime() - back * 86_400_000)));
    const batched = await handled(events, 50);
    const oneByOne = await handled(events, 1);
    expect(await transactions(oneByOne, 'analytics_events')).to.equal(events.length);
    // one batch per consumer: ten at most
    expect(await transactions(batched, 'analytics_events')).to.be.at.most(10);
    expect(await readModel(batched)).to.deep.equal(await readModel(oneByOne));
    expect(await today(batched)).to.deep.equal(await today(oneByOne));
  });

  it('when every event is in its batch twice (a redelivery), each is counted once', async () => {
    const events = story(day);
    const sut = await handled([...events, ...events.map((e) => ({ ...e, msgId: `${e.id}-again` }))], 50);
    const { perMinute: _perMinute, ...figures } = await today(sut);
    expect(figures).to.deep.equal(expectedDay(day));
    expect((await readModel(sut)).events).to.have.length(events.length);
  });

  it('when one event of a batch is refused by the database, the others commit and it leaves no row', async () => {
    const alerts: Published[] = Array.from({ length: 9 }, (_, i) => ({
      type: 'stock.low',
      id: crypto.randomUUID(),
      // a valid payload whose count the read model's int4 column cannot hold: the fifth is refused
      data: { sku: `SKU-${i}`, name: 'Kettle', available: i === 4 ? 2 ** 40 : i, threshold: 10, detectedAt: new Date(day.getTime() + i * 1000).toISOString() },
    }));
    const sut = await handled(alerts, 50);
    const { events, lowStock } = await readModel(sut);
    const refused = alerts[4]!;
    expect(events.map((e) => e.id).sort()).to.deep.equal(alerts.filter((a) => a !== refused).map((a) => a.id).sort());
    expect(lowStock.map((a) => a.sku)).to.deep.equal(['SKU-0', 'SKU-1', 'SKU-2', 'SKU-3', 'SKU-5', 'SKU-6', 'SKU-7', 'SKU-8']);
    const dead = await readStream(sut.api.resources.nc, sut.topology.stream('DLQ'));
    expect(dead.map((m) => m.headers['ce-id'])).to.deep.equal([refused.id]);
  });

  it('when one batch holds two cancellations of one order and two alerts of one sku, newest first, the rows equal those of one at a time', async () => {
    const orderId = crypto.randomUUID();
    const order = { orderId, customerId: 'cust-ada', items: [{ sku: 'KETTLE-1', quantity: 1, unitPrice: { amount: 700, currency: 'EUR' } }], total: { amount: 700, currency: 'EUR' } };
    const at = (seconds: number) => new Date(day.getTime() + seconds * 1000).toISOString();
    const events: Published[] = [
      { type: 'orders.cancelled', id: crypto.randomUUID(), data: { ...order, reason: 'customer_request', previousStatus: 'pending', cancelledAt: at(20) } },
      { type: 'orders.cancelled', id: crypto.randomUUID(), data: { ...order, reason: 'payment_declined', previousStatus: 'pending', cancelledAt: at(10) } },
      { type: 'stock.low', id: crypto.randomUUID(), data: { sku: 'KETTLE-1', name: 'Kettle', available: 1, threshold: 5, detectedAt: at(30) } },
      { type: 'stock.low', id: crypto.randomUUID(), data: { sku: 'KETTLE-1', name: 'Kettle', available: 3, threshold: 5, detectedAt: at(20) } },
      { type: 'stock.low', id: crypto.randomUUID(), data: { sku: 'KETTLE-1', name: 'Kettle', available: 2, threshold: 5, detectedAt: at(30) } },
    ];
    const batched = await handled(events, 50);
    const oneByOne = await handled(events, 1);
    expect(await transactions(batched, 'analytics_events')).to.equal(2);
    expect(await readModel(batched)).to.deep.equal(await readModel(oneByOne));
    expect((await readModel(batched)).orders[0]).to.include({ cancellation_reason: 'customer_request' });
    expect((await readModel(batched)).lowStock[0]).to.include({ available: 2 });
  });

  it('when an order is created, confirmed and created again in one unit of work (one upsert of its row), its row equals that of one at a time', async () => {
    // they come from two consumers, so never share a batch; inTransaction defers the same way
    const orderId = crypto.randomUUID();
    const order = { orderId, customerId: 'cust-ada', items: [{ sku: 'KETTLE-1', quantity: 1, unitPrice: { amount: 700, currency: 'EUR' } }], total: { amount: 700, currency: 'EUR' } };
    const created: Published = { type: 'orders.created', id: crypto.randomUUID(), data: { ...order, payment: { method: 'card', paymentMethodId: `pm_${crypto.randomUUID()}` }, createdAt: new Date(day.getTime()).toISOString() } };
    const confirmed: Published = { type: 'orders.confirmed', id: crypto.randomUUID(), data: { ...order, confirmedAt: new Date(day.getTime() + 5000).toISOString() } };
    const oneByOne = await handled([created, confirmed], 1);
    const together = await startAnalyticsService({ worker: false });
    services.push(together);
    await inTransaction(together.api.resources, async (uow) => {
      for (const event of [created, confirmed, created]) await onEvent(envelopeOf(event), { ...uow, delivery: 1 });
    });
    expect(await readModel(together)).to.deep.equal(await readModel(oneByOne));
    expect((await readModel(together)).orders).to.have.length(1);
  });
});

function envelopeOf(event: Published): AnyEventEnvelope {
  const subject = 'orderId' in event.data ? event.data.orderId : (event.data as { sku: string }).sku;
  const source = `/${producerOf(event.type)}`;
  return { ...newEvent(event.type, { source, subject, data: event.data, time: new Date() }), id: event.id } as AnyEventEnvelope;
}
