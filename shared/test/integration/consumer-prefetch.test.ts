import { expect } from 'chai';
import { AppError, ConsumerRunner, declareConsumer, Outbox, subscribe, type EventEnvelope, type EventHandler, type PrefetchedKind, type UnitOfWork } from '../../src/index.js';
import { messagingFixture, publishProductChanged, settled as settledConsumer, silentLog, type MessagingFixture } from '../support/messaging.js';

const consumer = declareConsumer('test-service', 'stock.product-changed', { maxAttempts: 3, ackWaitMs: 5000 });
const counts: PrefetchedKind<number> = { name: 'counts' };

describe('batched consumer: a subscription prefetches what its handlers read, once per batch', () => {
  let f: MessagingFixture;
  let runner: ConsumerRunner | undefined;
  let prefetches: string[][];

  beforeEach(async () => {
    f = await messagingFixture('prefetch', [consumer]);
    await f.db.raw('create table counts (sku text primary key, n int not null)');
    await f.db('counts').insert([{ sku: 'X', n: 0 }, { sku: 'Y', n: 0 }]);
    prefetches = [];
  });

  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    await f.close();
  });

  /** Locks and reads the counts of the events' skus with one statement. */
  async function prefetch(events: EventEnvelope<'stock.product-changed'>[], { trx, prefetched }: UnitOfWork): Promise<void> {
    const skus = events.map((event) => event.data.sku);
    prefetches.push(skus);
    const rows = (await trx('counts').whereIn('sku', skus).orderBy('sku').forUpdate().select('sku', 'n')) as Array<{ sku: string; n: number }>;
    for (const row of rows) prefetched.add(counts, row.sku, row.n);
  }

  /** Adds the event's version to its sku's count: a read, then a write; fails after the write for version 10. */
  const adding: EventHandler<'stock.product-changed'> = async (event, { trx, prefetched }) => {
    const { sku, version } = event.data;
    const held = prefetched.get(counts, sku);
    const n = held ?? ((await trx('counts').where({ sku }).forUpdate().first('n')) as { n: number }).n;
    await trx('counts').where({ sku }).update({ n: n + version });
    prefetched.update(counts, sku, n + version);
    if (version === 10) throw new AppError('unprocessable', 'ten is not a version');
  };

  function run(options: { prefetch: typeof prefetch }): void {
    runner = new ConsumerRunner({
      service: 'test-service', db: f.db, nc: f.nc, topology: f.topology, outbox: new Outbox('/test-service'), log: silentLog,
      subscriptions: [subscribe(consumer, adding, options)], retry: { baseDelayMs: 100, maxDelayMs: 300 }, flushWaitMs: 100,
    });
    runner.start();
  }

  const publish = (sku: string, version = 1): Promise<string> => publishProductChanged(f, sku, version);

  const settled = (): Promise<void> => settledConsumer(f, consumer);

  const countsNow = async () => Object.fromEntries(((await f.db('counts').select('sku', 'n')) as Array<{ sku: string; n: number }>).map((r) => [r.sku, r.n]));

  it('reads once for the batch, with its events in delivery order; handlers of one key see each other\'s writes', async () => {
    for (const [sku, version] of [['X', 1], ['Y', 2], ['X', 3], ['X', 5]] as const) await publish(sku, version);
    run({ prefetch });
    await settled();
    expect(prefetches).to.deep.equal([['X', 'Y', 'X', 'X']]);
    expect(await countsNow()).to.deep.equal({ X: 9, Y: 2 });
  });

  it('when a handler fails after its write, the batch runs again with savepoints and without prefetch: the others never read the write rolled back', async () => {
    for (const version of [1, 10, 100]) await publish('X', version);
    run({ prefetch });
    await settled();
    expect(prefetches, 'the first pass only').to.have.length(1);
    expect(await countsNow()).to.deep.equal({ X: 101, Y: 0 });
  });

  it('when the prefetch fails, the batch runs again message by message without it', async () => {
    for (const version of [1, 2]) await publish('X', version);
    run({
      prefetch: async (events, work) => {
        await prefetch(events, work);
        throw new Error('the prefetch broke');
      },
    });
    await settled();
    expect(prefetches).to.have.length(1);
    expect(await countsNow()).to.deep.equal({ X: 3, Y: 0 });
  });
});
