import { expect } from 'chai';
import { AppError, createDb, type Knex } from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';

/**
 * Apis and workers open their pool with `prepare`: a statement they send again is a named
 * prepared statement on the connection, parsed and planned once. Seen from Postgres itself:
 * `pg_prepared_statements` of the pool's one connection.
 */
describe('a pool that prepares its hot statements', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let db: Knex;
  let admin: Knex;

  before(async () => {
    database = await createTestDatabase('prepared', { create: 'database' });
    admin = createDb(database.url, { poolMax: 1 });
    await admin.raw('create table parcels (id int primary key, label text)');
    await admin('parcels').insert([{ id: 1, label: 'one' }, { id: 2, label: 'two' }]);
    db = createDb(database.url, { poolMax: 1, prepare: true });
  });

  after(async () => {
    await db?.destroy();
    await admin?.destroy();
    await database?.drop();
  });

  const prepared = async (): Promise<string[]> => {
    const { rows } = await db.raw<{ rows: { statement: string }[] }>('select statement from pg_prepared_statements order by prepare_time');
    return rows.map((row) => row.statement);
  };

  it('prepares a statement with bindings from its second use, once per connection; never one without bindings', async () => {
    expect(await db('parcels').where({ id: 1 }).first()).to.deep.equal({ id: 1, label: 'one' });
    expect(await prepared()).to.deep.equal([]);
    for (const id of [2, 1, 2]) expect((await db('parcels').where({ id }).first()).id).to.equal(id);
    expect(await prepared()).to.deep.equal(['select * from "parcels" where "id" = $1 limit $2']);
    // no bindings: sent as a simple query, which may hold several statements
    await db.raw('select 1; select 2');
    await db.raw('select 1; select 2');
    expect(await prepared()).to.have.length(1);
    // in a transaction too: its client shares what the pool has prepared
    await db.transaction(async (trx) => {
      for (const id of [1, 2]) await trx('parcels').where({ id }).update({ label: `#${id}` });
    });
    expect(await prepared()).to.have.length(2);
    expect(await db('parcels').orderBy('id').pluck('label')).to.deep.equal(['#1', '#2']);
  });

  it('a schema change under a prepared statement fails that use, drops the connection, and the next use prepares the new shape', async () => {
    for (let i = 0; i < 3; i++) await db('parcels').where({ id: 1 }).first();
    await admin.raw('alter table parcels add column weight int');
    let refused: unknown;
    await db('parcels').where({ id: 1 }).first().catch((error: unknown) => (refused = error));
    // transient: a consumer retries it, an api answers 503
    expect(refused, String(refused)).to.be.instanceOf(AppError).and.include({ kind: 'transient' });
    expect(((refused as AppError).cause as { code?: string }).code).to.equal('0A000');
    expect(await db('parcels').where({ id: 1 }).first()).to.deep.equal({ id: 1, label: '#1', weight: null });
    expect(await db('parcels').where({ id: 1 }).first()).to.deep.equal({ id: 1, label: '#1', weight: null });
  });
});
