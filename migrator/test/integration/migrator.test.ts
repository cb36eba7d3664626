import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { deleteNamespaceStreams, testInfra, testNatsConnection, uniqueNamespace } from '@order-platform/shared/testing';

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
  const databaseName = `t_migrator_${randomBytes(4).toString('hex')}`;
  let env: Record<string, string>;
  let maintenanceUrl: string;

  before(async () => {
    const { databaseUrl, natsUrl } = await testInfra();
    const url = new URL(databaseUrl);
    maintenanceUrl = url.toString();
    url.pathname = `/${databaseName}`;
    env = { DATABASE_URL: url.toString(), NATS_URL: natsUrl, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
  });

  after(async () => {
    const client = new pg.Client({ connectionString: maintenanceUrl });
    await client.connect();
    await client.query(`drop database if exists "${databaseName}" with (force)`);
    await client.end();
    const nc = await testNatsConnection();
    await deleteNamespaceStreams(nc, namespace);
    await nc.close();
  });

  it('creates the database, applies the migrations and declares streams and consumers; two at once both exit 0', async () => {
    const [a, b] = await Promise.all([runMigrator('order-service', env), runMigrator('order-service', env)]);
    expect(a.code, a.output).to.equal(0);
    expect(b.code, b.output).to.equal(0);
    const client = new pg.Client({ connectionString: env['DATABASE_URL'] });
    await client.connect();
    const tables = await client.query(`select table_name from information_schema.tables where table_schema = 'public' order by 1`);
    await client.end();
    expect(tables.rows.map((r: { table_name: string }) => r.table_name)).to.include.members(['orders', 'order_items', 'catalog', 'outbox', 'processed_messages', 'idempotency_keys']);
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

  it('exits 69 with a clear message when Postgres is unreachable', async () => {
    const result = await runMigrator('stock-service', { ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(result.code).to.equal(69);
    expect(result.output).to.include('cannot reach Postgres at postgres://postgres@127.0.0.1:1/nowhere');
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
