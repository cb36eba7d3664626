import { expect } from 'chai';
import { AppError, ConsumerRunner, declareConsumer, Outbox, subscribe, type RunningApi } from '../../src/index.js';
import { asAdmin, asCustomer, call, callAs, eventually, expectAnswer, publishEvent } from '../../src/testing/index.js';
import { startBareApi } from '../support/admin-api.js';
import { messagingFixture, silentLog, type MessagingFixture } from '../support/messaging.js';

const SERVICE = 'test-service';
const handledConsumer = declareConsumer(SERVICE, 'stock.reserved', { maxAttempts: 2 });
const idleConsumer = declareConsumer(SERVICE, 'stock.rejected');
const asStaff = callAs(asAdmin());
const reserved = (orderId: string) => ({ orderId, items: [{ sku: 'KETTLE-1', quantity: 1 }], reservedAt: new Date().toISOString() });
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('admin endpoints every api serves (consumers, dead letters, records of an order)', () => {
  let f: MessagingFixture;
  let api: RunningApi;
  let runner: ConsumerRunner;
  const refused = new Set<string>();
  const flaky = new Set<string>();

  before(async () => {
    f = await messagingFixture('admin', [handledConsumer, idleConsumer]);
    api = await startBareApi(f, SERVICE, [handledConsumer, idleConsumer], async (_db, orderId) => [
      { at: '2026-03-14T09:26:53.601Z', kind: 'test-fact', summary: `a fact of ${orderId}`, details: { orderId } },
    ]);
    runner = new ConsumerRunner({
      service: SERVICE, db: f.db, nc: f.nc, topology: f.topology, outbox: new Outbox(`/${SERVICE}`), log: silentLog,
      retry: { baseDelayMs: 50, maxDelayMs: 100 },
      subscriptions: [
        subscribe(handledConsumer, async (event) => {
          if (refused.has(event.data.orderId)) throw new AppError('permanent', 'refused by the test');
          if (flaky.delete(event.data.orderId)) throw new AppError('transient', 'flaky once');
        }),
      ],
    });
    runner.start();
  });

  after(async () => {
    await runner?.stop();
    await api?.stop();
    await f?.close();
  });

  it('answers 401 without a token and 403 to a customer, as problem+json, on each of them', async () => {
    const customer = await asCustomer('cust-ada');
    for (const [method, path, body] of [['GET', '/admin/consumers'], ['GET', '/admin/dead-letters'], ['POST', '/admin/dead-letters/replay', { all: true }], ['GET', '/admin/orders/o-1/records']] as const) {
      await expectAnswer(api.url, method, path, {}, 401, body);
      await expectAnswer(api.url, method, path, customer, 403, body);
    }
    const openapi = await call(api.url, 'GET', '/openapi.json');
    expect(Object.keys(openapi.body.paths)).to.include.members(['/admin/consumers', '/admin/dead-letters', '/admin/dead-letters/replay', '/admin/orders/{id}/records']);
  });

  it("shows a consumer's pending count rise as events are published and not consumed, and the outbox backlog", async () => {
    const before = await asStaff(api.url, 'GET', '/admin/consumers');
    expect(before.status).to.equal(200);
    expect(before.body.service).to.equal(SERVICE);
    expect(before.body.outbox).to.deep.equal({ backlog: 0, oldestAgeMs: null });
    const idle = () => before.body.consumers.find((c: { durable: string }) => c.durable === idleConsumer.durable);
    expect(idle()).to.deep.include({ stream: f.topology.stream('STOCK'), filterSubject: f.topology.subject('stock.rejected'), pending: 0, ackPending: 0, redelivered: 0, lastDelivered: null });

    const rejected = { orderId: 'o-lag', reason: 'out_of_stock', lines: [{ sku: 'KETTLE-1', requested: 2, available: 1 }], rejectedAt: new Date().toISOString() } as const;
    for (let i = 0; i < 3; i++) await publishEvent(f.nc, f.topology, 'stock.rejected', rejected, { subject: `o-lag-${i}` });
    await f.db.transaction((trx) => new Outbox(`/${SERVICE}`).add(trx, 'stock.low', { subject: 'KETTLE-1', time: new Date(), data: { sku: 'KETTLE-1', name: 'Kettle', available: 1, threshold: 2, detectedAt: new Date().toISOString() } }));
    const after = await asStaff(api.url, 'GET', '/admin/consumers');
    expect(after.body.consumers.find((c: { durable: string }) => c.durable === idleConsumer.durable)).to.include({ pending: 3, ackPending: 0 });
    expect(after.body.outbox.backlog).to.equal(1);
    expect(after.body.outbox.oldestAgeMs).to.be.a('number').at.least(0);
  });

  it('lists a dead letter with its order, replays it once the cause is gone, and then it is gone; an unknown sequence fails alone', async () => {
    refused.add('o-dead');
    const id = await publishEvent(f.nc, f.topology, 'stock.reserved', reserved('o-dead'), { subject: 'o-dead' });
    const listed = await eventually(async () => {
      const { body } = await asStaff(api.url, 'GET', '/admin/dead-letters');
      expect(body.deadLetters).to.have.length(1);
      return body.deadLetters[0];
    });
    expect(listed).to.deep.include({ subject: 'o-dead', originalSubject: f.topology.subject('stock.reserved'), consumer: handledConsumer.durable, error: 'refused by the test', deliveries: 1, orderId: 'o-dead' });
    expect(Date.parse(listed.time)).to.be.closeTo(Date.now(), 60_000);

    refused.delete('o-dead');
    const replay = await asStaff(api.url, 'POST', '/admin/dead-letters/replay', { seqs: [listed.seq, 999_999] });
    expect(replay.status).to.equal(200);
    expect(replay.body).to.deep.equal({ replayed: [listed.seq], failed: [{ seq: 999_999, error: `no dead letter 999999 of ${SERVICE}` }] });
    expect((await asStaff(api.url, 'GET', '/admin/dead-letters')).body).to.deep.equal({ deadLetters: [] });
    await eventually(async () => {
      const { body } = await asStaff(api.url, 'GET', '/admin/orders/o-dead/records');
      expect(body.handled.map((h: { messageId: string }) => h.messageId)).to.deep.equal([id]);
    });
    expect((await asStaff(api.url, 'POST', '/admin/dead-letters/replay', { seqs: [] })).status).to.equal(400);
  });

  it("lists an order's records and the events handled for it, with subject, stream sequence, delivery count and trace id", async () => {
    flaky.add('o-rec');
    const id = await publishEvent(f.nc, f.topology, 'stock.reserved', reserved('o-rec'), { subject: 'o-rec', traceparent });
    const { body } = await eventually(async () => {
      const answer = await asStaff(api.url, 'GET', '/admin/orders/o-rec/records');
      expect(answer.body.handled).to.have.length(1);
      return answer;
    });
    expect(body.service).to.equal(SERVICE);
    expect(body.orderId).to.equal('o-rec');
    expect(body.records).to.deep.equal([{ at: '2026-03-14T09:26:53.601Z', kind: 'test-fact', summary: 'a fact of o-rec', details: { orderId: 'o-rec' } }]);
    const [handled] = body.handled;
    expect(handled).to.deep.include({ consumer: handledConsumer.durable, subject: f.topology.subject('stock.reserved'), messageId: id, deliveries: 2, traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(handled.streamSeq).to.be.a('number').above(0);
    expect(Date.parse(handled.at)).to.be.closeTo(Date.now(), 60_000);
    expect((await asStaff(api.url, 'GET', '/admin/orders/never-seen/records')).body).to.deep.include({ handled: [] });
    const consumers = (await asStaff(api.url, 'GET', '/admin/consumers')).body.consumers;
    const lastDelivered = consumers.find((c: { durable: string }) => c.durable === handledConsumer.durable).lastDelivered;
    expect(Date.parse(lastDelivered)).to.be.closeTo(Date.now(), 60_000);
  });
});
