import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConsumerRunner, declareConsumer, Outbox, subscribe, type EventHandler, type LockKey, type SubscriptionOptions } from '../../src/index.js';
import { eventually, readStream } from '../../src/testing/index.js';
import { messagingFixture, publishProductChanged, settled as settledConsumer, silentLog, type MessagingFixture } from '../support/messaging.js';

const consumer = declareConsumer('lanes-service', 'stock.product-changed', { maxAttempts: 3, ackWaitMs: 5000 });
const skuLock = (event: { data: { sku: string } }): LockKey[] => [{ space: 11, key: event.data.sku }];

/**
 * Messages of one batch that share no lock run side by side on the batch's connection; those
 * that share one run in delivery order (shared/src/consumer/batch.ts, `runLanes`).
 */
describe('batched consumer: messages that share no lock run side by side', () => {
  let f: MessagingFixture;
  let runner: ConsumerRunner | undefined;

  beforeEach(async () => {
    f = await messagingFixture('lanes', [consumer]);
    await f.db.schema.createTable('applied', (t) => {
      t.text('sku').notNullable();
      t.integer('version').notNullable();
      t.integer('delivery').notNullable();
    });
  });

  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    await f.close();
  });

  /** Starts the runner once everything is published, so one batch takes it all. */
  function run(handle: EventHandler<'stock.product-changed'>, options: SubscriptionOptions<'stock.product-changed'>): void {
    runner = new ConsumerRunner({
      service: 'lanes-service',
      db: f.db,
      nc: f.nc,
      topology: f.topology,
      outbox: new Outbox('/lanes-service'),
      log: silentLog,
      subscriptions: [subscribe(consumer, handle, options)],
      retry: { baseDelayMs: 100, maxDelayMs: 200 },
      batchSize: 50,
      flushWaitMs: 100,
    });
    runner.start();
  }

  const settled = (): Promise<void> => settledConsumer(f, consumer, 10_000);

  /** Handlers that wait on something outside the database (a gateway, a mail server) for `waitMs(sku)`; records who ran when. */
  function recording(waitMs: (sku: string, version: number) => number) {
    const log: Array<{ sku: string; version: number; at: 'start' | 'end' }> = [];
    let running = 0;
    let mostAtOnce = 0;
    const handle: EventHandler<'stock.product-changed'> = async (event, { trx, outbox, delivery }) => {
      const { sku, version } = event.data;
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      log.push({ sku, version, at: 'start' });
      await sleep(waitMs(sku, version));
      await trx('applied').insert({ sku, version, delivery });
      outbox.add('stock.low', { subject: `${sku}/${version}`, data: { sku, name: 'x', available: version, threshold: 1, detectedAt: new Date().toISOString() } });
      log.push({ sku, version, at: 'end' });
      running -= 1;
    };
    return { handle, log, mostAtOnce: () => mostAtOnce };
  }

  /** The events the batch wrote, in outbox order (the order the relay publishes them). */
  async function outboxOrder(): Promise<string[]> {
    return ((await f.db('outbox').orderBy('seq').select('subject')) as Array<{ subject: string }>).map((r) => r.subject);
  }

  it('runs the handlers of different locks at once, of one lock in delivery order; events are written in delivery order whichever lane ends first', async () => {
    const delivered: string[] = [];
    for (const version of [1, 2]) {
      for (const sku of ['A', 'B', 'C', 'D']) {
        await publishProductChanged(f, sku, version);
        delivered.push(`${sku}/${version}`);
      }
    }
    // A's lane takes longest, D's ends first
    const waits: Record<string, number> = { A: 120, B: 80, C: 40, D: 5 };
    const { handle, log, mostAtOnce } = recording((sku) => waits[sku]!);
    const started = Date.now();
    run(handle, { locks: skuLock });
    await settled();
    const tookMs = Date.now() - started;

    expect(mostAtOnce(), 'handlers running at once').to.equal(4);
    for (const sku of ['A', 'B', 'C', 'D']) {
      const own = log.filter((entry) => entry.sku === sku).map((entry) => `${entry.version}:${entry.at}`);
      expect(own, `${sku}: one after another, in delivery order`).to.deep.equal(['1:start', '1:end', '2:start', '2:end']);
    }
    expect(log.findIndex((e) => e.sku === 'D' && e.version === 2 && e.at === 'end'), 'D done before A began its second').to.be.lessThan(log.findIndex((e) => e.sku === 'A' && e.version === 2 && e.at === 'start'));
    expect(await outboxOrder(), 'events in delivery order').to.deep.equal(delivered);
    const transactions = await f.db('processed_messages').countDistinct({ n: 'processed_at' });
    expect(Number(transactions[0]!.n), 'one batch').to.equal(1);
    // one after another this is 2 × (120 + 80 + 40 + 5) = 490 ms of waiting alone
    expect(tookMs, 'the batch waited for its longest lane, not for the sum').to.be.lessThan(2_000);
  });

  it('runs a batch one message at a time when its subscription declares no locks', async () => {
    for (const sku of ['A', 'B', 'C']) await publishProductChanged(f, sku);
    const { handle, log, mostAtOnce } = recording(() => 20);
    run(handle, {});
    await settled();
    expect(mostAtOnce()).to.equal(1);
    expect(log.map((e) => `${e.sku}:${e.at}`)).to.deep.equal(['A:start', 'A:end', 'B:start', 'B:end', 'C:start', 'C:end']);
    expect(await outboxOrder()).to.deep.equal(['A/1', 'B/1', 'C/1']);
  });

  it('blames the statement that failed, not the lanes whose statements the aborted transaction refused after it; those commit on their first delivery', async () => {
    const skus = ['A', 'B', 'BAD', 'C', 'D'];
    for (const sku of skus) await publishProductChanged(f, sku);
    const refused: string[] = [];
    run(async (event, { trx, delivery }) => {
      const { sku, version } = event.data;
      if (sku === 'BAD') {
        // its error reaches the batch after the others' refusals: a handler that cleans up before it rethrows
        await trx.raw('select 1 / 0').catch(async (error: unknown) => {
          await sleep(50);
          throw error;
        });
      }
      try {
        await trx.raw('select pg_sleep(0.02)');
        await trx('applied').insert({ sku, version, delivery });
      } catch (error) {
        refused.push(`${sku}:${(error as { code?: string }).code}`);
        throw error;
      }
    }, { locks: skuLock });
    await settled();
    expect(refused.some((entry) => entry.endsWith(':25P02')), 'another lane was refused by the aborted transaction').to.equal(true);
    const applied = (await f.db('applied').orderBy('sku').select('sku', 'delivery')) as Array<{ sku: string; delivery: number }>;
    expect(applied, 'the others: applied once, on their first delivery').to.deep.equal(['A', 'B', 'C', 'D'].map((sku) => ({ sku, delivery: 1 })));
    await eventually(async () => {
      const dead = await readStream(f.nc, f.topology.stream('DLQ'));
      expect(dead.map((m) => m.headers['ce-subject'])).to.deep.equal(['BAD']);
    }, { timeoutMs: 10_000 });
  });

  it('blames a lane whose write sent without waiting failed, though another lane saw the error first', async () => {
    for (const sku of ['A', 'BAD', 'B']) await publishProductChanged(f, sku);
    run(async (event, { trx, send, delivery }) => {
      const { sku, version } = event.data;
      if (sku === 'BAD') {
        send({ name: 'lanes-bad-write', text: 'insert into applied (sku, version, delivery) values ($1, null, $2)', values: [sku, delivery] });
        return;
      }
      await sleep(5);
      await trx('applied').insert({ sku, version, delivery });
    }, { locks: skuLock });
    await settled();
    const applied = (await f.db('applied').orderBy('sku').select('sku', 'delivery')) as Array<{ sku: string; delivery: number }>;
    expect(applied).to.deep.equal([{ sku: 'A', delivery: 1 }, { sku: 'B', delivery: 1 }]);
    await eventually(async () => {
      const dead = await readStream(f.nc, f.topology.stream('DLQ'));
      expect(dead.map((m) => m.headers['ce-subject'])).to.deep.equal(['BAD']);
    }, { timeoutMs: 10_000 });
  });
});
