import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import pg from 'pg';
import type { NatsConnection } from '@nats-io/transport-node';
import { defaultStreamSettings, migrate, splitDatabaseUrl, Topology, withRole, type ServiceDescriptor } from '@order-platform/shared';
import { createTestDatabase, deleteNamespaceStreams, testLog, testNatsConnection, uniqueNamespace, type TestDatabase } from '@order-platform/shared/testing';
import { services } from '../../src/services.js';

const ROW_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
const TABLE_PRIVILEGES = [...ROW_PRIVILEGES, 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

async function connected(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

async function once<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connected(url);
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

const passwordOf = (url: string) => decodeURIComponent(new URL(url).password);

async function sqlState(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return (error as { code?: string }).code ?? `no SQLSTATE: ${(error as Error).message}`;
  }
  return 'succeeded';
}

/** Each table of schema public with the table privileges `role` has on it. */
async function privileges(db: TestDatabase, role: string): Promise<Record<string, string[]>> {
  const { rows } = await once(db.url, (c) =>
    c.query<{ table: string; granted: string[] }>(
      `select relname as table, array(select p from unnest($2::text[]) p where has_table_privilege($1, c.oid, p)) as granted
       from pg_class c where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')`,
      [role, TABLE_PRIVILEGES],
    ),
  );
  return Object.fromEntries(rows.map((r) => [r.table, r.granted]));
}

describe('database roles: the app role reads and writes its own rows, and nothing more', function () {
  this.timeout(60_000);
  const topology = new Topology(uniqueNamespace('roles'));
  const databases: TestDatabase[] = [];
  let nc: NatsConnection;
  let order: TestDatabase;
  let stock: TestDatabase;
  let app: pg.Client;
  let descriptors: Record<'order' | 'stock', ServiceDescriptor>;

  const database = async (label: string, create?: 'all' | 'database' | 'none') => {
    const db = await createTestDatabase(label, { create });
    databases.push(db);
    return db;
  };
  const migrateAs = (descriptor: ServiceDescriptor, db: TestDatabase, options: { adminUrl?: string; databaseUrl?: string } = {}) =>
    migrate(descriptor, { databaseUrl: db.ownerUrl, appRole: db.roles.app, nc, topology, streamSettings: defaultStreamSettings, log: testLog, ...options });

  before(async () => {
    nc = await testNatsConnection();
    descriptors = { order: await services['order-service']!(), stock: await services['stock-service']!() };
    order = await database('roles_order');
    stock = await database('roles_stock');
    await migrateAs(descriptors.order, order);
    await migrateAs(descriptors.stock, stock);
    app = await connected(order.appUrl);
  });

  after(async () => {
    await app?.end();
    for (const db of databases) await db.drop();
    await deleteNamespaceStreams(nc, topology.namespace);
    await nc.close();
  });

  it('selects, inserts, updates and deletes in its tables, and its outbox inserts NOTIFY the relay', async () => {
    const listener = await connected(order.appUrl);
    try {
      const notified = new Promise<string>((resolve) => listener.once('notification', (n) => resolve(n.channel)));
      await listener.query('listen outbox');
      await app.query(`insert into catalog values ('SKU-1', 'Kettle', 2599, 'EUR', true, 1, now())`);
      await app.query(`update catalog set active = false where sku = 'SKU-1'`);
      expect((await app.query(`select active from catalog where sku = 'SKU-1'`)).rows).to.deep.equal([{ active: false }]);
      await app.query(`delete from catalog where sku = 'SKU-1'`);
      // bigserial seq: the app uses the sequence too
      await app.query(`insert into outbox (id, type, source, subject, time, data) values ($1, 'orders.created', '/order-service', 'o1', now(), '{}')`, [randomUUID()]);
      expect(await notified).to.equal('outbox');
    } finally {
      await listener.end();
    }
  });

  it('cannot create, drop, alter or truncate anything, temp tables and functions included (42501)', async () => {
    const attempts = [
      'create table intruder (id int)',
      'create temp table intruder (id int)',
      'create function intruder() returns int language sql as $$ select 1 $$',
      'create schema intruder',
      'create index intruder on orders (customer_id)',
      'drop table orders',
      'alter table orders add column intruder int',
      'truncate orders',
      'drop function outbox_notify() cascade',
      'select * from knex_migrations',
    ];
    const outcomes: Record<string, string> = {};
    for (const sql of attempts) outcomes[sql] = await sqlState(() => app.query(sql));
    expect(outcomes).to.deep.equal(Object.fromEntries(attempts.map((sql) => [sql, '42501'])));
  });

  it("cannot log in to another service's database, nor can that service's app role to this one (42501)", async () => {
    expect(await sqlState(() => once(withRole(stock.appUrl, order.roles.app, { password: passwordOf(order.appUrl) }), async () => undefined))).to.equal('42501');
    expect(await sqlState(() => once(withRole(order.appUrl, stock.roles.app, { password: passwordOf(stock.appUrl) }), async () => undefined))).to.equal('42501');
  });

  it('has exactly select, insert, update and delete on every table but the migrations bookkeeping, and on tables the owner adds later', async () => {
    const granted = await privileges(order, order.roles.app);
    for (const [table, list] of Object.entries(granted)) {
      expect(list, table).to.deep.equal(table.startsWith('knex_migrations') ? [] : ROW_PRIVILEGES);
    }
    expect(Object.keys(granted)).to.include.members(['orders', 'outbox', 'processed_messages']);
    await once(order.ownerUrl, (owner) => owner.query('create table added_later (id bigserial primary key, note text)'));
    await app.query(`insert into added_later (note) values ('row')`);
    expect((await privileges(order, order.roles.app))['added_later']).to.deep.equal(ROW_PRIVILEGES);
  });

  it('loses, at the next migrator run, any privilege granted beyond these, and the run changes nothing else', async () => {
    await once(order.ownerUrl, (owner) => owner.query(`grant truncate, trigger on orders to ${order.roles.app}`));
    expect((await privileges(order, order.roles.app))['orders']).to.include('TRUNCATE');
    const { applied } = await migrateAs(descriptors.order, order);
    expect(applied).to.deep.equal([]);
    expect((await privileges(order, order.roles.app))['orders']).to.deep.equal(ROW_PRIVILEGES);
  });

  it('bootstraps with an admin URL: hands a database made before the roles existed to the owner, objects included', async () => {
    const legacy = await database('roles_legacy', 'database');
    await once(legacy.url, (su) => su.query('create table legacy (id bigserial primary key); create function legacy_fn() returns int language sql as $$ select 1 $$'));
    const adminUrl = splitDatabaseUrl(legacy.url).maintenanceUrl;
    for (let run = 0; run < 2; run++) await migrateAs(descriptors.order, legacy, { adminUrl });
    const owners = await once(legacy.url, async (su) => ({
      database: (await su.query(`select pg_get_userbyid(datdba) as owner from pg_database where datname = current_database()`)).rows[0].owner,
      objects: (await su.query(`select distinct pg_get_userbyid(relowner) as owner from pg_class where relnamespace = 'public'::regnamespace`)).rows.map((r) => r.owner),
      functions: (await su.query(`select distinct pg_get_userbyid(proowner) as owner from pg_proc where pronamespace = 'public'::regnamespace`)).rows.map((r) => r.owner),
    }));
    expect(owners).to.deep.equal({ database: legacy.roles.owner, objects: [legacy.roles.owner], functions: [legacy.roles.owner] });
    expect((await privileges(legacy, legacy.roles.app))['legacy']).to.deep.equal(ROW_PRIVILEGES);
  });

  it('works with the roles deploy/postgres/roles.psql makes (the compose init and the k8s instructions)', async () => {
    const made = await database('roles_psql', 'none');
    const passwords = { owner: 'owner-secret', app: "app-'secret" };
    const variables: Record<string, string> = { db: made.name, owner: made.roles.owner, app: made.roles.app, owner_password: passwords.owner, app_password: passwords.app };
    // psql's variables, as psql substitutes them: :"name" an identifier, :'name' a literal
    const script = readFileSync(new URL('../../../deploy/postgres/roles.psql', import.meta.url), 'utf8')
      .replace(/^--.*$/gm, '')
      .replace(/:"(\w+)"/g, (_, name: string) => `"${variables[name]!.replaceAll('"', '""')}"`)
      .replace(/:'(\w+)'/g, (_, name: string) => `'${variables[name]!.replaceAll("'", "''")}'`);
    await once(splitDatabaseUrl(made.url).maintenanceUrl, async (su) => {
      for (const statement of script.split(';').map((s) => s.trim()).filter(Boolean)) await su.query(statement);
    });
    await migrateAs(descriptors.stock, made, { databaseUrl: withRole(made.url, made.roles.owner, { password: passwords.owner }) });
    const count = await once(withRole(made.url, made.roles.app, { password: passwords.app }), (c) => c.query('select count(*) as n from products'));
    expect(count.rows).to.deep.equal([{ n: 0 }]);
  });
});
