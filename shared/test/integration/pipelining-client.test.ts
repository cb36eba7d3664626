import { expect } from 'chai';
import { createDb, type Knex, type RawConnection } from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';

/**
 * Every pool `createDb` opens sends a transaction's BEGIN in the same write as its
 * first statement (shared/src/db/pipelining-client.ts). Seen from Postgres: until the first
 * statement, the backend is not in a transaction (`pg_stat_activity.state` is `idle`, where a
 * BEGIN sent on its own makes it `idle in transaction`); the transaction still holds everything
 * from its first statement to its end, and rolls back as one.
 */
describe('a pool whose connections send BEGIN with the first statement', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let db: Knex;
  let admin: Knex;

  before(async () => {
    database = await createTestDatabase('pipelining', { create: 'database' });
    admin = createDb(database.url, { poolMax: 1 });
    await admin.raw('create table parcels (id int primary key, label text)');
    db = createDb(database.url, { poolMax: 1, prepare: true, applicationName: 'pipelining-test' });
  });

  beforeEach(() => admin.raw('truncate parcels'));

  after(async () => {
    await db?.destroy();
    await admin?.destroy();
    await database?.drop();
  });

  const backendState = async (): Promise<string> => {
    const { rows } = await admin.raw<{ rows: { state: string }[] }>(`select state from pg_stat_activity where application_name = 'pipelining-test'`);
    expect(rows, 'the pool has one connection').to.have.length(1);
    return rows[0]!.state;
  };
  const labels = async (): Promise<string[]> => admin('parcels').orderBy('id').pluck('label');

  it('sends no BEGIN of its own: the backend enters the transaction with the first statement, which the transaction then holds', async () => {
    await db.raw('select 1'); // the pool's connection exists
    await db.transaction(async (trx) => {
      expect(await backendState()).to.equal('idle');
      await trx('parcels').insert({ id: 1, label: 'one' });
      expect(await backendState()).to.equal('idle in transaction');
      expect(await labels(), 'not committed yet').to.deep.equal([]);
      await trx('parcels').insert({ id: 2, label: 'two' });
    });
    expect(await backendState()).to.equal('idle');
    expect(await labels()).to.deep.equal(['one', 'two']);
  });

  it('rolls back every statement of a failed transaction, the first included; the connection serves the next one', async () => {
    const failed = await db
      .transaction(async (trx) => {
        await trx('parcels').insert({ id: 1, label: 'one' });
        await trx('parcels').insert({ id: 1, label: 'again' }); // unique violation
      })
      .catch((error: unknown) => error);
    expect((failed as { code?: string }).code).to.equal('23505');
    expect(await labels()).to.deep.equal([]);
    await db.transaction((trx) => trx('parcels').insert({ id: 3, label: 'three' }));
    expect(await labels()).to.deep.equal(['three']);
  });

  it('a transaction that fails in its first statement is rolled back, and one that sends nothing commits or rolls back without a round trip', async () => {
    const failed = await db.transaction((trx) => trx.raw('select 1/0')).catch((error: unknown) => error);
    expect((failed as { code?: string }).code).to.equal('22012');
    await db.transaction(async () => undefined);
    await db.transaction(async () => { throw new Error('before any statement'); }).catch(() => undefined);
    expect(await backendState()).to.equal('idle');
    await db.transaction((trx) => trx('parcels').insert({ id: 4, label: 'four' }));
    expect(await labels()).to.deep.equal(['four']);
  });

  it('a raw connection of the pool defers its own begin the same way, and its rollback undoes the statements', async () => {
    const connection = (await db.client.acquireConnection()) as RawConnection;
    try {
      await connection.query('begin');
      expect(await backendState()).to.equal('idle');
      await connection.query({ text: 'insert into parcels (id, label) values ($1, $2)', values: [5, 'five'] });
      expect(await backendState()).to.equal('idle in transaction');
      await connection.query('rollback');
      expect(await labels()).to.deep.equal([]);
      await connection.query('begin');
      await connection.query({ text: 'insert into parcels (id, label) values ($1, $2)', values: [6, 'six'] });
      await connection.query('commit');
      expect(await labels()).to.deep.equal(['six']);
    } finally {
      await db.client.releaseConnection(connection);
    }
  });

  it('statements sent in one tick are answered in order, each with its own result or error', async () => {
    const connection = (await db.client.acquireConnection()) as RawConnection;
    try {
      const sent = [
        connection.query({ text: 'select $1::int as n', values: [1] }),
        connection.query({ text: 'select 1/$1::int as n', values: [0] }),
        connection.query({ text: 'select $1::int as n', values: [3] }),
      ];
      const [one, failed, three] = await Promise.allSettled(sent);
      expect(one).to.deep.include({ status: 'fulfilled' });
      expect((one as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).to.deep.equal([{ n: 1 }]);
      expect(((failed as PromiseRejectedResult).reason as { code?: string }).code).to.equal('22012');
      expect((three as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).to.deep.equal([{ n: 3 }]);
    } finally {
      await db.client.releaseConnection(connection);
    }
  });

  it('a COMMIT that Postgres answers with ROLLBACK (a statement of the transaction had failed) is an error, never taken for committed', async () => {
    const connection = (await db.client.acquireConnection()) as RawConnection;
    try {
      await connection.query('begin');
      await connection.query({ text: 'insert into parcels (id, label) values ($1, $2)', values: [7, 'seven'] });
      // the last write sent with the COMMIT, in the same tick, as the consumer loop does
      const write = connection.query({ text: 'insert into parcels (id, label) values ($1, $2)', values: [7, 'again'] });
      const commit = connection.query('commit');
      const [written, committed] = await Promise.allSettled([write, commit]);
      expect(((written as PromiseRejectedResult).reason as { code?: string }).code).to.equal('23505');
      expect(committed.status).to.equal('rejected');
      expect(((committed as PromiseRejectedResult).reason as { code?: string }).code).to.equal('25P02');
      expect(await labels(), 'nothing of it committed').to.deep.equal([]);
    } finally {
      await db.client.releaseConnection(connection);
    }
    // through knex: a handler that swallowed its statement's error does not commit the rest silently
    const swallowed = await db
      .transaction(async (trx) => {
        await trx('parcels').insert({ id: 8, label: 'eight' });
        await trx.raw('select 1/0').catch(() => undefined);
      })
      .catch((error: unknown) => error);
    expect((swallowed as { code?: string }).code).to.equal('25P02');
    expect(await labels()).to.deep.equal([]);
  });
});
