import { expect } from 'chai';
import { connectionOf, createDb, createMessagingTables, inTransaction, Outbox, type Knex } from '../../src/index.js';
import { PooledTransaction } from '../../src/db/pooled-transaction.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';
import { silentLog } from '../support/messaging.js';

/**
 * The transactions of consumer batches and `inTransaction` (shared/src/db/pooled-transaction.ts):
 * plain BEGIN / COMMIT / ROLLBACK on a pooled connection, with a knex bound to that connection,
 * made once per connection, for the query builders.
 */
describe('a transaction on a pooled connection, with a knex bound to it', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let db: Knex;
  let admin: Knex;

  before(async () => {
    database = await createTestDatabase('pooledtx', { create: 'database' });
    admin = createDb(database.url, { poolMax: 1 });
    await admin.raw('create table parcels (id int primary key, label text not null)');
    db = createDb(database.url, { poolMax: 1, prepare: true, applicationName: 'pooled-tx-test' });
  });

  // a failed assertion leaves its transaction open: ended here, so the pool of one serves the next test
  const begun: PooledTransaction[] = [];
  const begin = async (): Promise<PooledTransaction> => {
    const transaction = await PooledTransaction.begin(db);
    begun.push(transaction);
    return transaction;
  };

  beforeEach(() => admin.raw('truncate parcels'));
  afterEach(async () => {
    for (const transaction of begun.splice(0)) await transaction.rollback();
  });

  after(async () => {
    await db?.destroy();
    await admin?.destroy();
    await database?.drop();
  });

  const labels = async (): Promise<string[]> => admin('parcels').orderBy('id').pluck('label');
  const backendPids = async (): Promise<number[]> =>
    (await admin.raw<{ rows: { pid: number }[] }>(`select pid from pg_stat_activity where application_name = 'pooled-tx-test' order by pid`)).rows.map((r) => r.pid);

  it("runs the bound knex's queries and the raw statements in one transaction: committed together, or rolled back together", async () => {
    const first = await begin();
    await first.trx('parcels').insert({ id: 1, label: 'builder' });
    await first.connection.query({ text: 'insert into parcels (id, label) values ($1, $2)', values: [2, 'raw'] });
    expect(await labels(), 'not committed yet').to.deep.equal([]);
    await first.commit();
    expect(await labels()).to.deep.equal(['builder', 'raw']);

    const second = await begin();
    await second.trx('parcels').insert({ id: 3, label: 'gone' });
    await second.rollback();
    expect(await labels()).to.deep.equal(['builder', 'raw']);
    expect(second.isCompleted()).to.equal(true);
  });

  it('makes the bound knex once per connection: the next transaction on it reuses it', async () => {
    const first = await begin();
    const bound = Object.getPrototypeOf(first.trx.client) as unknown; // each transaction's view of it
    await first.commit();
    const second = await begin(); // a pool of one: the same connection
    const again = Object.getPrototypeOf(second.trx.client) as unknown;
    await second.rollback();
    expect(again, 'the same bound client').to.equal(bound);
    expect(bound, 'not the pool client').to.not.equal(db.client);
  });

  it('refuses a query sent through the bound knex after the commit, instead of running it on the connection back in the pool', async () => {
    const ended = await begin();
    const stale = ended.trx;
    await ended.commit();
    const next = await begin();
    // its connection is the one `stale` was bound to, in another transaction now
    const stray = async (send: () => Promise<unknown>): Promise<Error | undefined> => {
      try {
        await send();
        return undefined;
      } catch (error) {
        return error as Error;
      }
    };
    expect((await stray(() => stale('parcels').insert({ id: 9, label: 'stray' })))?.message, 'a query builder').to.match(/transaction that has ended/);
    expect((await stray(() => stale.raw("insert into parcels values (10, 'stray')")))?.message, 'a raw query').to.match(/transaction that has ended/);
    expect((await stray(async () => (await connectionOf(stale)).query("insert into parcels values (11, 'stray')")))?.message, 'its connection').to.match(/transaction that has ended/);
    await next.trx('parcels').insert({ id: 1, label: 'own' });
    await next.commit();
    expect(await labels(), 'the stray insert never ran').to.deep.equal(['own']);
  });

  it('fails a COMMIT that rolled back (a write sent with it was refused) and keeps the sound connection in the pool', async () => {
    await db.raw('select 1');
    const [pid] = await backendPids();
    const transaction = await begin();
    const refused = transaction.connection.query({ text: 'insert into parcels (id, label) values ($1, $2)', values: [1, null] }).catch((e: unknown) => e);
    const error = await transaction.commit().then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    expect((await refused as { code?: string }).code, 'the insert: not_null_violation').to.equal('23502');
    expect(error?.code, 'the COMMIT: in_failed_sql_transaction').to.equal('25P02');
    expect(await labels()).to.deep.equal([]);
    await db('parcels').insert({ id: 2, label: 'after' });
    expect(await backendPids(), 'the same connection serves the pool').to.deep.equal([pid]);
  });

  it('ends a connection it cannot roll back, and the pool opens a new one instead of handing out one still in a transaction', async () => {
    await db.raw('select 1');
    const [pid] = await backendPids();
    const transaction = await begin();
    await transaction.trx('parcels').insert({ id: 1, label: 'lost' });
    await admin.raw('select pg_terminate_backend(?)', [pid]);
    await transaction.rollback(); // never throws
    expect(transaction.isCompleted()).to.equal(true);
    await db('parcels').insert({ id: 2, label: 'new connection' });
    const [now] = await backendPids();
    expect(now, 'another backend').to.not.equal(pid);
    expect(await labels()).to.deep.equal(['new connection']);
  });

  it('inTransaction: commits the work with its events, rolls all of it back when the work throws, and gives the connection back either way', async () => {
    await createMessagingTables(admin);
    const deps = { db, outbox: new Outbox('/stock-service'), clock: () => new Date(), log: silentLog };
    const low = { sku: 'KETTLE-1', name: 'Kettle', available: 1, threshold: 2, detectedAt: new Date().toISOString() };
    await inTransaction(deps, async ({ trx, outbox, now }) => {
      await trx('parcels').insert({ id: 1, label: 'kept' });
      outbox.add('stock.low', { subject: 'KETTLE-1', data: low });
      return now;
    });
    const failure = await inTransaction(deps, async ({ trx, outbox }) => {
      await trx('parcels').insert({ id: 2, label: 'undone' });
      outbox.add('stock.low', { subject: 'KETTLE-2', data: low });
      throw new Error('the use case failed');
    }).catch((e: unknown) => e as Error);
    expect(failure?.message).to.equal('the use case failed');
    expect(await labels()).to.deep.equal(['kept']);
    expect(await admin('outbox').pluck('subject')).to.deep.equal(['KETTLE-1']);
    // a pool of one: a connection not given back would time this out
    expect(await db('parcels').count<{ n: number }[]>({ n: '*' })).to.deep.equal([{ n: 1 }]);
  });
});
