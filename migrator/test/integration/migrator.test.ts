import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { createTestDatabase, deleteNamespaceStreams, testInfra, testNatsConnection, uniqueNamespace, type TestDatabase } from '@order-platform/shared/testing';

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

function runMigrator(service: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', main, service], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('migrator <service>', function () {
  this.timeout(60_000);
  const namespace = uniqueNamespace('migrator');
  const databases: TestDatabase[] = [];
  let database: TestDatabase;
  let env: Record<string, string>;

  before(async () => {
    const { databaseUrl, natsUrl } = await testInfra();
    // nothing made yet: the migrator bootstraps the database and both roles as the admin
    database = await createTestDatabase('migrator', { create: 'none' });
    databases.push(database);
    env = { DATABASE_ADMIN_URL: databaseUrl, DATABASE_URL: database.ownerUrl, NATS_URL: natsUrl, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
  });

  after(async () => {
    for (const db of databases) await db.drop();
    const nc = await testNatsConnection();
    await deleteNamespaceStreams(nc, namespace);
    await nc.close();
  });

  it('creates the database and its roles, applies the migrations as the owner, grants the app role, declares streams and consumers; two at once both exit 0', async () => {
    const [a, b] = await Promise.all([runMigrator('order-service', env), runMigrator('order-service', env)]);
    expect(a.code, a.output).to.equal(0);
    expect(b.code, b.output).to.equal(0);
    const client = new pg.Client({ connectionString: database.appUrl });
    await client.connect();
    let tables, owners;
    try {
      // information_schema.tables lists what the current user (here the app role) may use
      tables = await client.query(`select table_name from information_schema.tables where table_schema = 'public' order by 1`);
      owners = await client.query(`select distinct pg_get_userbyid(relowner) as owner from pg_class where relnamespace = 'public'::regnamespace`);
    } finally {
      await client.end();
    }
    expect(tables.rows.map((r: { table_name: string }) => r.table_name)).to.include.members(['orders', 'order_items', 'catalog', 'outbox', 'processed_messages', 'idempotency_keys']);
    expect(owners.rows).to.deep.equal([{ owner: database.roles.owner }]);
    const nc = await testNatsConnection();
    const jsm = await jetstreamManager(nc);
    const consumer = await jsm.consumers.info(`${namespace}_STOCK`, 'order-service-stock-product-changed');
    expect(consumer.config).to.include({ filter_subject: `${namespace}.stock.product-changed`, ack_policy: 'explicit' });
    expect(consumer.config.max_deliver).to.be.greaterThan(1);
    expect((await jsm.streams.info(`${namespace}_ORDERS`)).config.subjects).to.deep.equal([`${namespace}.orders.>`]);
    await nc.close();
  });

  it('is idempotent: a second run changes nothing and exits 0', async () => {
    const again = await runMigrator('order-service', env);
    expect(again.code, again.output).to.equal(0);
    expect(again.output).to.include('database schema up to date');
  });

  it('without an admin URL, exits 1 naming an app role that does not exist', async () => {
    const db = await createTestDatabase('migrator_norole');
    databases.push(db);
    const su = new pg.Client({ connectionString: db.url });
    await su.connect();
    await su.query(`drop role ${db.roles.app}`).finally(() => su.end());
    const result = await runMigrator('stock-service', { ...env, DATABASE_ADMIN_URL: '', DATABASE_URL: db.ownerUrl });
    expect(result.code, result.output).to.equal(1);
    expect(result.output).to.include(`role ${db.roles.app} does not exist`);
  });

  it('exits 69 with a clear message when Postgres is unreachable', async () => {
    const result = await runMigrator('stock-service', { ...env, DATABASE_ADMIN_URL: '', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(result.code).to.equal(69);
    expect(result.output).to.include('cannot reach Postgres at postgres://postgres@127.0.0.1:1/nowhere');
    const admin = await runMigrator('stock-service', { ...env, DATABASE_ADMIN_URL: 'postgres://postgres:secret@127.0.0.1:1/postgres' });
    expect(admin.code).to.equal(69);
    expect(admin.output).to.include('cannot reach Postgres at postgres://postgres:***@127.0.0.1:1/postgres (the admin URL)');
  });

  it('exits 69 with a clear message when NATS is unreachable', async () => {
    const result = await runMigrator('stock-service', { ...env, NATS_URL: 'nats://127.0.0.1:1' });
    expect(result.code).to.equal(69);
    expect(result.output).to.include('cannot reach NATS at nats://127.0.0.1:1');
  });

  it('exits 64 naming the known services for an unknown one, and 78 for bad config', async () => {
    const unknown = await runMigrator('billing-service', env);
    expect(unknown.code).to.equal(64);
    expect(unknown.output).to.include('order-service');
    const bad = await runMigrator('stock-service', { ...env, NATS_STREAM_REPLICAS: 'three' });
    expect(bad.code).to.equal(78);
    expect(bad.output).to.include('NATS_STREAM_REPLICAS must be integer');
  });
});
