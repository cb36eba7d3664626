import { expect } from 'chai';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { AppError, ConsumerRunner, declareConsumer, Outbox, subscribe, type RunningApi } from '../../src/index.js';
import { asAdmin, callAs, eventually, publishEvent } from '../../src/testing/index.js';
import { startBareApi } from '../support/admin-api.js';
import { messagingFixture, silentLog, type MessagingFixture } from '../support/messaging.js';

const SERVICE = 'replay-service';
const consumer = declareConsumer(SERVICE, 'stock.reserved', { maxAttempts: 3 });
const asStaff = callAs(asAdmin());
const reserved = (orderId: string) => ({ orderId, items: [{ sku: 'KETTLE-1', quantity: 1 }], reservedAt: new Date().toISOString() });

interface Letter {
  seq: number;
  subject: string;
  error: string;
  deliveries: number;
}

describe("a dead letter replayed through the api runs through its consumer's handler in the service's own worker, never republished", () => {
  let f: MessagingFixture;
  let api: RunningApi;
  let runner: ConsumerRunner;
  // what the handler does with an order: refuse it (permanent), or fail it (transient)
  const refused = new Map<string, string>();
  const failing = new Set<string>();
  const registry = new Registry();

  const letters = async (orderId: string): Promise<Letter[]> => (await asStaff(api.url, 'GET', '/admin/dead-letters')).body.deadLetters.filter((d: Letter) => d.subject === orderId);
  const deadLetterOf = (orderId: string) => eventually(async () => {
    const found = await letters(orderId);
    expect(found).to.have.length(1);
    return found[0]!;
  });
  const effects = async (orderId: string) => Number((await f.db('replay_effects').where({ order_id: orderId }).count<{ n: string }[]>({ n: '*' }))[0]!.n);
  const requests = async () => Number((await f.db('exhausted_messages').count<{ n: string }[]>({ n: '*' }))[0]!.n);
  const stockLastSeq = async () => (await (await jetstreamManager(f.nc)).streams.info(f.topology.stream('STOCK'))).state.last_seq;
  const replay = async (seq: number) => {
    const answer = await asStaff(api.url, 'POST', '/admin/dead-letters/replay', { seqs: [seq] });
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.equal({ replayed: [seq], failed: [] });
    // what the request's NOTIFY does in a worker process (its relay hears it): no relay here,
    // and the poll is seconds away (a replay's retries are swept when they fall due)
    runner.replayRequested();
  };

  before(async () => {
    f = await messagingFixture('replay', [consumer]);
    await f.db.schema.createTable('replay_effects', (t) => {
      t.text('order_id').notNullable();
      t.text('event_id').notNullable();
    });
    api = await startBareApi(f, SERVICE, [consumer]);
    runner = new ConsumerRunner({
      service: SERVICE, db: f.db, nc: f.nc, topology: f.topology, outbox: new Outbox(`/${SERVICE}`), log: silentLog,
      retry: { baseDelayMs: 50, maxDelayMs: 100 }, registry,
      subscriptions: [
        subscribe(consumer, async (event, work) => {
          const refusal = refused.get(event.data.orderId);
          if (refusal) throw new AppError('permanent', refusal);
          if (failing.has(event.data.orderId)) throw new AppError('transient', 'still unavailable');
          await work.trx('replay_effects').insert({ order_id: event.data.orderId, event_id: event.id });
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

  it('applies a replayed dead letter once, through the worker, without a message added to the stream, and the dead letter is gone', async () => {
    refused.set('o-apply', 'refused by the test');
    await publishEvent(f.nc, f.topology, 'stock.reserved', reserved('o-apply'), { subject: 'o-apply' });
    const letter = await deadLetterOf('o-apply');
    refused.delete('o-apply');
    const streamSeq = await stockLastSeq();
    await replay(letter.seq);
    expect(await letters('o-apply')).to.deep.equal([]);
    await eventually(async () => expect(await effects('o-apply')).to.equal(1), { timeoutMs: 3000, intervalMs: 50 });
    await eventually(async () => expect(await requests()).to.equal(0));
    expect(await stockLastSeq(), 'nothing republished').to.equal(streamSeq);
    expect(await registry.getSingleMetricAsString('consumer_replays_total')).to.include(`consumer_replays_total{consumer="${consumer.durable}",outcome="handled"} 1`);
  });

  it('skips a replayed dead letter whose event was applied already: a duplicate, no second effect', async () => {
    const id = await publishEvent(f.nc, f.topology, 'stock.reserved', reserved('o-twice'), { subject: 'o-twice' });
    await eventually(async () => expect(await effects('o-twice')).to.equal(1));
    // a dead letter of an event that was applied after all (a worker that dead-lettered it lost the commit's answer)
    const stored = await (await jetstreamManager(f.nc)).streams.getMessage(f.topology.stream('STOCK'), { last_by_subj: f.topology.subject('stock.reserved') });
    const h = natsHeaders();
    for (const [key, values] of stored!.header!) if (key !== 'Nats-Msg-Id') for (const value of values) h.append(key, value);
    for (const [key, value] of Object.entries({ 'dlq-error': 'lost commit', 'dlq-error-kind': 'unexpected', 'dlq-original-subject': stored!.subject, 'dlq-stream-seq': String(stored!.seq), 'dlq-delivery-count': '1', 'dlq-consumer': consumer.durable, 'dlq-service': SERVICE, 'dlq-time': new Date().toISOString() })) h.set(key, value);
    expect(h.get('ce-id')).to.equal(id);
    await jetstream(f.nc).publish(f.topology.dlqSubject(SERVICE, consumer.durable), stored!.data, { headers: h });
    const letter = await deadLetterOf('o-twice');
    const streamSeq = await stockLastSeq();
    await replay(letter.seq);
    await eventually(async () => expect(await requests()).to.equal(0), { timeoutMs: 3000, intervalMs: 50 });
    expect(await effects('o-twice')).to.equal(1);
    expect(await letters('o-twice')).to.deep.equal([]);
    expect(await stockLastSeq(), 'nothing republished').to.equal(streamSeq);
  });

  it('dead-letters a replay whose handler fails permanently again, with the new error, and keeps no request', async () => {
    refused.set('o-refused', 'refused by the test');
    await publishEvent(f.nc, f.topology, 'stock.reserved', reserved('o-refused'), { subject: 'o-refused' });
    const first = await deadLetterOf('o-refused');
    refused.set('o-refused', 'refused again, for another reason');
    const streamSeq = await stockLastSeq();
    await replay(first.seq);
    const again = await eventually(async () => {
      const found = await letters('o-refused');
      expect(found.map((d) => d.error)).to.deep.equal(['refused again, for another reason']);
      return found[0]!;
    });
    expect(again.seq).to.be.above(first.seq);
    expect(again).to.deep.include({ deliveries: 1 });
    expect(await requests()).to.equal(0);
    expect(await effects('o-refused')).to.equal(0);
    expect(await stockLastSeq(), 'nothing republished').to.equal(streamSeq);
  });

  it("retries a replay that fails transiently up to the consumer's attempts, then dead-letters it with the new error", async () => {
    refused.set('o-flaky', 'refused by the test');
    await publishEvent(f.nc, f.topology, 'stock.reserved', reserved('o-flaky'), { subject: 'o-flaky' });
    const first = await deadLetterOf('o-flaky');
    refused.delete('o-flaky');
    failing.add('o-flaky');
    const streamSeq = await stockLastSeq();
    const replayedAt = Date.now();
    await replay(first.seq);
    const again = await eventually(async () => {
      const found = await letters('o-flaky');
      expect(found.map((d) => d.error)).to.deep.equal(['still unavailable']);
      return found[0]!;
    });
    expect(again).to.deep.include({ deliveries: consumer.maxAttempts });
    // each retry ran when its backoff (50, then 100 ms) was over, not at the next poll (5 s)
    expect(Date.now() - replayedAt).to.be.below(3000);
    // and replayed once the cause is gone, it is applied
    failing.delete('o-flaky');
    await replay(again.seq);
    await eventually(async () => expect(await effects('o-flaky')).to.equal(1));
    await eventually(async () => expect(await requests()).to.equal(0));
    expect(await stockLastSeq(), 'nothing republished').to.equal(streamSeq);
  });
});
