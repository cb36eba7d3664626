import { expect } from 'chai';
import { ConsumerRunner, declareConsumer, inTransaction, Outbox, subscribe, type EventHandler, type Write } from '../../src/index.js';
import { readStream } from '../../src/testing/index.js';
import { messagingFixture, publishProductChanged, settled as settledConsumer, silentLog, type MessagingFixture } from '../support/messaging.js';

const consumer = declareConsumer('test-service', 'stock.product-changed', { maxAttempts: 2, ackWaitMs: 5000 });

/** Appends a version to a product's log; the database refuses the version 'refused'. */
const append = (sku: string, version: string): Write => ({
  name: 'test-log-append',
  text: `insert into product_log (sku, versions) values ($1, $2)
    on conflict (sku) do update set versions = product_log.versions || ',' || excluded.versions`,
  values: [sku, version],
});

/**
 * Writes a handler sends without waiting for their answers (`UnitOfWork.send`): they run in the
 * batch's transaction in the order sent, later statements see them, and a failed one is its own
 * message's failure, however late the batch learns of it.
 */
describe('batched consumer: writes sent without waiting (UnitOfWork.send)', () => {
  let f: MessagingFixture;
  let runner: ConsumerRunner | undefined;

  beforeEach(async () => {
    f = await messagingFixture('sent', [consumer]);
    await f.db.raw(`create table product_log (sku text primary key, versions text not null check (versions not like '%refused%'))`);
    await f.db.raw('create table seen (sku text, versions text, at serial)');
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

  const publish = (sku: string, version = 1): Promise<string> => publishProductChanged(f, sku, version);

  const settled = (): Promise<void> => settledConsumer(f, consumer);

  const versionsOf = async (sku: string): Promise<string | undefined> => (await f.db('product_log').where({ sku }).first())?.versions;

  it('commits the sent writes with the batch, in one transaction, and what the batch reads after a write sees it', async () => {
    for (const version of [1, 2, 3]) await publish('X', version);
    run(async (event, { send, trx }) => {
      send(append('X', String(event.data.version)));
      const { rows } = await trx.raw<{ rows: { versions: string }[] }>('select versions from product_log where sku = ?', ['X']);
      send({ name: 'test-seen', text: 'insert into seen (sku, versions) values ($1, $2)', values: ['X', rows[0]?.versions ?? null] });
    });
    await settled();
    expect(await versionsOf('X')).to.equal('1,2,3');
    expect((await f.db('seen').orderBy('at').pluck('versions'))).to.deep.equal(['1', '1,2', '1,2,3']);
    const { rows } = await f.db.raw<{ rows: Array<{ n: string }> }>('select count(distinct xmin::text) as n from product_log');
    expect(Number(rows[0]!.n), 'transactions').to.equal(1);
  });

  it('fails the message whose sent write failed, alone: not the next one, whose statement the aborted transaction refused', async () => {
    const ids: Record<string, string> = {};
    for (const sku of ['A', 'REFUSED', 'C', 'D']) ids[sku] = await publish(sku);
    // each reads, then sends its write without waiting: REFUSED's handler returns before its
    // write is refused, and C's read is the statement the aborted transaction refuses next
    run(async (event, { send, trx }) => {
      const { sku } = event.data;
      await trx.raw('select count(*) from product_log');
      send(append(sku, sku === 'REFUSED' ? 'refused' : '1'));
    });
    await settled();
    expect(await f.db('product_log').orderBy('sku').pluck('sku')).to.deep.equal(['A', 'C', 'D']);
    const dead = await readStream(f.nc, f.topology.stream('DLQ'));
    expect(dead.map((m) => m.headers['ce-id'])).to.deep.equal([ids['REFUSED']]);
    const deliveries = await f.db('processed_messages').whereIn('message_id', [ids['A']!, ids['C']!, ids['D']!]).pluck('deliveries');
    expect(deliveries, 'the others handled at their first delivery').to.deep.equal([1, 1, 1]);
  });

  it('inTransaction waits for what was sent before it commits: a failed write rolls the unit back and is its error', async () => {
    const deps = { db: f.db, outbox: new Outbox('/test-service'), clock: () => new Date(), log: silentLog };
    await inTransaction(deps, ({ send }) => {
      send(append('X', '1'));
      return Promise.resolve();
    });
    expect(await versionsOf('X')).to.equal('1');
    const failed = await inTransaction(deps, ({ send }) => {
      send(append('Y', '1'));
      send(append('Y', 'refused'));
      return Promise.resolve();
    }).catch((error: unknown) => error);
    expect((failed as { code?: string }).code).to.equal('23514');
    expect(await versionsOf('Y')).to.equal(undefined);
  });

  it('lets a failed write withhold what its error must not carry, before anyone sees the error', async () => {
    const deps = { db: f.db, outbox: new Outbox('/test-service'), clock: () => new Date(), log: silentLog };
    const plain = await inTransaction(deps, ({ send }) => Promise.resolve(send(append('Z', 'refused secret')))).catch((error: unknown) => error as { detail?: string });
    // Postgres describes the refused row with its values
    expect(plain.detail).to.include('refused secret');
    const withheld = await inTransaction(deps, ({ send }) =>
      Promise.resolve(send({ ...append('Z', 'refused secret'), withhold: (error) => void ((error as { detail: string }).detail = 'withheld') })),
    ).catch((error: unknown) => error as { detail?: string; code?: string });
    expect(withheld.code).to.equal('23514');
    expect(withheld.detail).to.equal('withheld');
  });
});
