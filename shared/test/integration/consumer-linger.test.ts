import { expect } from 'chai';
import { jetstream } from '@nats-io/jetstream';
import { ConsumerRunner, declareConsumer, envelopeHeaders, Outbox, subscribe, type EventHandler } from '../../src/index.js';
import { messagingFixture, settled as settledConsumer, silentLog, type MessagingFixture } from '../support/messaging.js';

const consumer = declareConsumer('linger-service', 'stock.product-changed', { maxAttempts: 3, ackWaitMs: 30_000 });
const encoder = new TextEncoder();

/** What a handler saw: the event's sku, its transaction, and when it ran. */
interface Call {
  sku: string;
  txid: string;
  at: number;
}

/**
 * The flush wait is a linger: a batch that is not full may wait up to that long for more, and a
 * full one goes at once, so a consumer with a backlog never sleeps on it.
 */
describe('batched consumer: the flush wait lingers only while a batch is not full', () => {
  let f: MessagingFixture;
  let runner: ConsumerRunner | undefined;
  const calls: Call[] = [];

  beforeEach(async () => {
    calls.length = 0;
    f = await messagingFixture('linger', [consumer]);
  });

  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    await f.close();
  });

  const handle: EventHandler<'stock.product-changed'> = async (event, { trx }) => {
    const [row] = (await trx.raw<{ rows: Array<{ txid: string }> }>('select txid_current()::text as txid')).rows;
    calls.push({ sku: event.data.sku, txid: row!.txid, at: performance.now() });
  };

  function run(batchSize: number, flushWaitMs: number): void {
    runner = new ConsumerRunner({
      service: 'linger-service',
      db: f.db,
      nc: f.nc,
      topology: f.topology,
      outbox: new Outbox('/linger-service'),
      log: silentLog,
      subscriptions: [subscribe(consumer, handle)],
      retry: { baseDelayMs: 200, maxDelayMs: 1000 },
      batchSize,
      flushWaitMs,
    });
    runner.start();
  }

  async function publish(sku: string): Promise<void> {
    const data = { sku, name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, active: true, version: 1, changedAt: new Date().toISOString() };
    const headers = envelopeHeaders({ id: crypto.randomUUID(), type: 'stock.product-changed', source: '/stock-service', subject: sku, time: new Date().toISOString() });
    await jetstream(f.nc).publish(f.topology.subject('stock.product-changed'), encoder.encode(JSON.stringify(data)), { headers });
  }

  it('takes a backlog in full batches at once, however long the flush wait', async () => {
    const skus = Array.from({ length: 20 }, (_, i) => `B${String(i).padStart(2, '0')}`);
    for (const sku of skus) await publish(sku);
    const started = performance.now();
    // every batch here is full: a wait of 10 s per batch that was not would show in the time
    run(5, 10_000);
    await settledConsumer(f, consumer, 8_000);
    const elapsed = performance.now() - started;
    expect(calls.map((c) => c.sku)).to.deep.equal(skus);
    expect(elapsed, 'a full batch waited out the flush wait').to.be.below(5_000);
    const batches = new Map<string, number>();
    for (const { txid } of calls) batches.set(txid, (batches.get(txid) ?? 0) + 1);
    expect([...batches.values()]).to.deep.equal([5, 5, 5, 5]);
  });

  it('lets a lone message wait for the flush wait, and takes what arrives meanwhile in the same batch', async () => {
    run(50, 600);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the consumer is pulling
    const first = performance.now();
    await publish('L1');
    await new Promise((resolve) => setTimeout(resolve, 150));
    await publish('L2');
    await settledConsumer(f, consumer, 5_000);
    expect(calls.map((c) => c.sku)).to.deep.equal(['L1', 'L2']);
    expect(calls[0]!.txid, 'the second message joined the first one’s batch').to.equal(calls[1]!.txid);
    expect(calls[0]!.at - first, 'the lone message lingered').to.be.at.least(450);
  });
});
