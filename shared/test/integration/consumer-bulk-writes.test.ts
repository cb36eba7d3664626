import { expect } from 'chai';
import { AppError, ConsumerRunner, declareConsumer, inTransaction, Outbox, subscribe, type BulkWrite, type EventHandler } from '../../src/index.js';
import { readStream } from '../../src/testing/index.js';
import { messagingFixture, publishProductChanged, settled as settledConsumer, silentLog, type MessagingFixture } from '../support/messaging.js';

const consumer = declareConsumer('test-service', 'stock.product-changed', { maxAttempts: 3, ackWaitMs: 5000 });

interface LogRow {
  sku: string;
  versions: string;
}

/** Appends versions to a product's log: the order of its rows matters, so only a merge in delivery order gives "1,2,3". */
const appendVersions: BulkWrite<LogRow> = {
  name: 'test-product-log-append',
  text: `insert into product_log (sku, versions) select * from unnest($1::text[], $2::text[])
    on conflict (sku) do update set versions = product_log.versions || ',' || excluded.versions`,
  values: (rows) => [rows.map((r) => r.sku), rows.map((r) => r.versions)],
  key: (row) => row.sku,
  merge: (earlier, later) => ({ sku: earlier.sku, versions: `${earlier.versions},${later.versions}` }),
};

describe('batched consumer: rows deferred to one statement per batch (UnitOfWork.bulk)', () => {
  let f: MessagingFixture;
  let runner: ConsumerRunner | undefined;

  beforeEach(async () => {
    f = await messagingFixture('bulk', [consumer]);
    // the database refuses a row whatever payload made it: REFUSED's
    await f.db.raw(`create table product_log (sku text primary key, versions text not null check (versions not like '%refused%'))`);
  });

  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    await f.close();
  });

  function run(handle: EventHandler<'stock.product-changed'>): void {
    runner = new ConsumerRunner({
      service: 'test-service', db: f.db, nc: f.nc, topology: f.topology, outbox: new Outbox('/test-service'), log: silentLog,
      subscriptions: [subscribe(consumer, handle)], retry: { baseDelayMs: 100, maxDelayMs: 300 }, flushWaitMs: 100,
    });
    runner.start();
  }

  /** Defers the version to the product's log and adds an event; then fails for the skus named. */
  function deferring(fail: string[] = []): EventHandler<'stock.product-changed'> {
    return async (event, { bulk, outbox }) => {
      const { sku, version } = event.data;
      bulk.add(appendVersions, { sku, versions: sku.startsWith('REFUSED') ? 'refused' : String(version) });
      outbox.add('stock.low', { subject: sku, data: { sku, name: 'x', available: version, threshold: 1, detectedAt: new Date().toISOString() } });
      if (fail.includes(sku)) throw new AppError('unprocessable', 'no such product line');
      return Promise.resolve();
    };
  }

  const publish = (sku: string, version = 1): Promise<string> => publishProductChanged(f, sku, version);

  const settled = (): Promise<void> => settledConsumer(f, consumer);

  const log = async () => (await f.db('product_log').orderBy('sku').select('sku', 'versions')) as LogRow[];
  const outboxSubjects = async () => (await f.db('outbox').orderBy('subject').select('subject')).map((r: { subject: string }) => r.subject);

  it('writes the rows of a batch in its transaction, rows of one key merged in delivery order onto the stored row', async () => {
    await f.db('product_log').insert({ sku: 'X', versions: '0' });
    for (const version of [1, 2, 3]) for (const sku of ['X', 'Y']) await publish(sku, version);
    run(deferring());
    await settled();
    expect(await log()).to.deep.equal([{ sku: 'X', versions: '0,1,2,3' }, { sku: 'Y', versions: '1,2,3' }]);
    expect(await outboxSubjects()).to.deep.equal(['X', 'X', 'X', 'Y', 'Y', 'Y']);
    const { rows } = await f.db.raw<{ rows: Array<{ n: string }> }>('select count(distinct xmin::text) as n from product_log');
    expect(Number(rows[0]!.n), 'transactions').to.equal(1);
  });

  it('forgets the rows of a handler that fails, in the first pass and in the pass with savepoints; the others commit', async () => {
    const ids: Record<string, string> = {};
    for (const sku of ['A', 'B', 'POISON', 'C', 'POISON2', 'D']) ids[sku] = await publish(sku);
    run(deferring(['POISON', 'POISON2']));
    await settled();
    expect((await log()).map((r) => r.sku)).to.deep.equal(['A', 'B', 'C', 'D']);
    expect(await outboxSubjects()).to.deep.equal(['A', 'B', 'C', 'D']);
    const dead = await readStream(f.nc, f.topology.stream('DLQ'));
    expect(dead.map((m) => m.headers['ce-id'])).to.have.members([ids['POISON'], ids['POISON2']]);
  });

  it('when the database refuses the deferred row of one message, that message fails alone: the batch runs again with savepoints', async () => {
    const ids: Record<string, string> = {};
    for (const sku of ['A', 'B', 'REFUSED', 'C']) ids[sku] = await publish(sku);
    run(deferring());
    await settled();
    expect((await log()).map((r) => r.sku)).to.deep.equal(['A', 'B', 'C']);
    expect(await outboxSubjects(), 'its events neither').to.deep.equal(['A', 'B', 'C']);
    const dead = await readStream(f.nc, f.topology.stream('DLQ'));
    expect(dead.map((m) => m.headers['ce-id'])).to.deep.equal([ids['REFUSED']]);
  });

  it('inTransaction writes the rows deferred in it before its commit, and none when it throws', async () => {
    const deps = { db: f.db, outbox: new Outbox('/test-service'), clock: () => new Date(), log: silentLog };
    await inTransaction(deps, ({ bulk }) => {
      bulk.add(appendVersions, { sku: 'X', versions: '1' });
      bulk.add(appendVersions, { sku: 'X', versions: '2' });
      return Promise.resolve();
    });
    const failed = inTransaction(deps, ({ bulk }) => {
      bulk.add(appendVersions, { sku: 'Y', versions: '1' });
      return Promise.reject(new Error('no'));
    });
    await failed.then(
      () => expect.fail('should throw'),
      () => undefined,
    );
    expect(await log()).to.deep.equal([{ sku: 'X', versions: '1,2' }]);
  });
});
