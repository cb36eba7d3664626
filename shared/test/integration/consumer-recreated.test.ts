import { expect } from 'chai';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { consumerConfig, ConsumerRunner, declareConsumer, envelopeHeaders, Outbox, subscribe } from '../../src/index.js';
import { eventually } from '../../src/testing/index.js';
import { messagingFixture, silentLog, type MessagingFixture } from '../support/messaging.js';

const consumer = declareConsumer('test-service', 'stock.product-changed');

describe('consumer runner: its durable consumer deleted and created again (a replay)', () => {
  let f: MessagingFixture;
  let runner: ConsumerRunner | undefined;
  const handled: string[] = [];

  before(async () => {
    f = await messagingFixture('recreated', [consumer]);
  });

  after(async () => {
    await runner?.stop();
    await f.close();
  });

  async function publish(sku: string): Promise<void> {
    const data = { sku, name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, active: true, version: 1, changedAt: new Date().toISOString() };
    const headers = envelopeHeaders({ id: crypto.randomUUID(), type: 'stock.product-changed', source: '/stock-service', subject: sku, time: new Date().toISOString() });
    await jetstream(f.nc).publish(f.topology.subject('stock.product-changed'), JSON.stringify(data), { headers });
  }

  it('gets the new consumer at once and goes on from its start; what it handled before comes again as duplicates', async () => {
    runner = new ConsumerRunner({
      service: 'test-service', db: f.db, nc: f.nc, topology: f.topology, outbox: new Outbox('/test-service'), log: silentLog,
      subscriptions: [subscribe(consumer, async (event) => void handled.push(event.data.sku))],
    });
    runner.start();
    for (const sku of ['A', 'B', 'C']) await publish(sku);
    await eventually(() => expect(handled).to.deep.equal(['A', 'B', 'C']));

    const jsm = await jetstreamManager(f.nc);
    const stream = f.topology.streamFor(consumer.event);
    await jsm.consumers.delete(stream, consumer.durable);
    await jsm.consumers.add(stream, { ...consumerConfig(f.topology, consumer), deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 2 });
    await publish('D');
    // B and C again are duplicates (skipped by their processed rows), D is new: within a second,
    // not after the missed heartbeats (some 15 s) the pull would otherwise wait for
    await eventually(() => expect(handled).to.deep.equal(['A', 'B', 'C', 'D']), { timeoutMs: 3000 });
    await eventually(async () => {
      const info = await jsm.consumers.info(stream, consumer.durable);
      expect(info.num_pending + info.num_ack_pending).to.equal(0);
    });
    const [row] = await f.db('processed_messages').where({ consumer: consumer.durable }).count({ n: '*' });
    expect(Number(row!['n'])).to.equal(4);
  });

  it('stops at once while its stream is missing, without waiting out the backoff between looks', async () => {
    await runner?.stop();
    runner = new ConsumerRunner({
      service: 'test-service', db: f.db, nc: f.nc, topology: f.topology, outbox: new Outbox('/test-service'), log: silentLog,
      subscriptions: [subscribe(consumer, async (event) => void handled.push(event.data.sku))],
    });
    runner.start();
    await publish('E');
    await eventually(() => expect(handled).to.include('E')); // it is pulling
    const jsm = await jetstreamManager(f.nc);
    // as when a system's streams are removed before its workers stop
    await jsm.streams.delete(f.topology.streamFor(consumer.event));
    // five looks 200 ms apart, then 2 s apart (deletion.ts): 1.5 s in, the loop is in a 2-s wait
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const started = performance.now();
    await runner.stop();
    runner = undefined;
    expect(performance.now() - started).to.be.below(400);
  });
});
