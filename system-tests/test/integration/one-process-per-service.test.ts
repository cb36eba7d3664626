import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { issueToken } from '@order-platform/shared';
import { eventually, testInfra, testJwtSecret } from '@order-platform/shared/testing';
import { startMailSink } from '../../../scripts/mail-sink.mjs';
import { cleanUp, freePort } from '../../../scripts/bench/run-resources.mjs';
import { peers, services, startStack, waitReady } from '../../../scripts/stack.mjs';

// PROCESSES=combined (README, "One process per service"): each service's api and worker in one
// process, <service>/dist/src/main.js, as make dev, demo and bench start them with it. The
// system must be the same system: every route, every consumer, a clean stop.
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Child {
  name: string;
  child: { exitCode: number | null; pid?: number };
}

describe('one process per service (PROCESSES=combined)', function () {
  this.timeout(180_000);
  const run = randomBytes(3).toString('hex');
  const namespace = `one${run}`;
  const database = Object.fromEntries(services.map((s: { dir: string; name: string }) => [s.dir, `${s.name}_one_${run}`]));
  const lines: string[] = [];
  const mails: { to: string[]; subject: string }[] = [];
  let stack: { children: Child[]; urls: Record<string, string>; stop(): Promise<void> } | undefined;
  let sink: { close(): Promise<void> } | undefined;
  let nc: NatsConnection;
  let admin: pg.Client;
  let metricsPorts: Map<string, number>;

  before(async () => {
    const { databaseUrl, natsUrl } = await testInfra();
    const server = new URL(databaseUrl);
    server.pathname = '/postgres';
    nc = await connect({ servers: natsUrl });
    admin = new pg.Client({ connectionString: server.toString() });
    await admin.connect();
    sink = await startMailSink({ port: 0, onMail: (mail: { to: string[]; subject: string }) => void mails.push(mail) });
    const ports = new Map<string, number>();
    metricsPorts = new Map();
    for (const s of [...services, ...peers] as { name: string }[]) {
      ports.set(s.name, await freePort());
      metricsPorts.set(s.name, await freePort());
    }
    stack = await startStack({
      processes: 'combined',
      env: {
        NATS_URL: natsUrl, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info', JWT_SECRET: testJwtSecret,
        DB_POOL_MAX: '4', DB_AUTOCOMMIT_POOL_MAX: '2',
        SMTP_URL: `smtp://127.0.0.1:${(sink as unknown as { port: number }).port}`,
        CUSTOMER_DIRECTORY_URL: `http://127.0.0.1:${ports.get('directory')}`,
      },
      adminUrl: server.toString(),
      database: (dir: string) => database[dir],
      port: (s: { name: string }) => ports.get(s.name),
      metricsPort: (s: { name: string }) => metricsPorts.get(s.name),
      output: (line: string) => void lines.push(line.replace(/\x1b\[[0-9;]*m/g, '')),
    });
    await waitReady(stack.urls, 60_000);
  });

  after(async () => {
    await stack?.stop();
    await sink?.close();
    if (admin) await cleanUp({ nc, admin, namespace, database, queryDir: mkdtempSync(join(tmpdir(), 'one-process-')), out: () => undefined });
  });

  it('runs each service as one process that answers its api and its worker’s metrics', async () => {
    const names = stack!.children.map((c) => c.name).sort();
    expect(names).to.deep.equal(['analytics-api+worker', 'directory', 'notify-api+worker', 'order-api+worker', 'payment-api+worker', 'stock-api+worker']);
    for (const s of services as { name: string }[]) {
      expect((await fetch(`${stack!.urls[s.name]}/readyz`)).status, `${s.name} api`).to.equal(200);
      // the worker's own series, from the same process as the api. Its /metrics answers from
      // the process's start (a port in use stops it first), its relay's series once the worker
      // has its database and NATS, which the api's readiness does not wait for
      await eventually(async () => {
        const metrics = await fetch(`http://127.0.0.1:${metricsPorts.get(s.name)}/metrics`);
        expect(metrics.status, `${s.name} worker metrics`).to.equal(200);
        expect(await metrics.text(), `${s.name} worker metrics`).to.match(/^outbox_/m);
      }, { timeoutMs: 30_000 });
    }
  });

  it('takes an order through the whole saga: reserved, charged, confirmed, mailed', async () => {
    const admins = await issueToken(testJwtSecret, { sub: 'staff-1', roles: ['admin'] });
    const ada = await issueToken(testJwtSecret, { sub: 'cust-ada', roles: ['customer'] });
    const post = (url: string, token: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body) });
    const sku = `ONE-${run}`.toUpperCase();
    expect((await post(`${stack!.urls.stock}/products`, admins, { sku, name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, onHand: 5 })).status).to.equal(201);
    const card = await post(`${stack!.urls.payment}/payment-methods`, ada, { type: 'card', token: 'tok_ok' });
    expect(card.status).to.equal(201);
    const { id: paymentMethodId } = (await card.json()) as { id: string };
    // the catalog reaches order-service through stock.product-changed
    const placed = await eventually(async () => {
      const response = await post(`${stack!.urls.order}/orders`, ada, { items: [{ sku, quantity: 2 }], payment: { method: 'card', paymentMethodId } }, { 'idempotency-key': randomUUID() });
      expect(response.status, await response.clone().text()).to.equal(202);
      return (await response.json()) as { id: string };
    }, { timeoutMs: 20_000 });
    const order = await eventually(async () => {
      const response = await fetch(`${stack!.urls.order}/orders/${placed.id}`, { headers: { authorization: `Bearer ${ada}` } });
      const body = (await response.json()) as { status: string; total: { amount: number } };
      expect(body.status).to.equal('confirmed');
      return body;
    }, { timeoutMs: 30_000 });
    expect(order.total.amount).to.equal(5000);
    const product = (await (await fetch(`${stack!.urls.stock}/products/${sku}`, { headers: { authorization: `Bearer ${admins}` } })).json()) as { available: number };
    expect(product.available).to.equal(3);
    await eventually(() => expect(mails.some((m) => m.to.includes('ada@customers.example'))).to.equal(true), { timeoutMs: 20_000 });
  });

  it('stops on SIGTERM once its api and its worker have both stopped, exit 0', async () => {
    const running = stack!;
    stack = undefined;
    await running.stop();
    for (const { name, child } of running.children) expect(child.exitCode, name).to.equal(0);
    for (const s of services as { name: string }[]) {
      const own = lines.filter((line) => line.startsWith(`${s.name} `));
      const stopped = own.findIndex((line) => /\binfo  stopped(\s|$)/.test(line));
      // the worker's part of the stop: its relay let go of its lock, before the process said so
      const relayDown = own.findIndex((line) => line.includes('outbox relay standing down'));
      expect(stopped, `${s.name}: ${own.slice(-8).join('\n')}`).to.be.above(-1);
      expect(relayDown, `${s.name}: ${own.slice(-8).join('\n')}`).to.be.within(0, stopped - 1);
    }
  });

  it('reports a bad environment for its api and its worker at once, and exits 78', async () => {
    const child = spawn(process.execPath, ['stock-service/dist/src/main.js'], {
      cwd: root,
      env: { ...process.env, PORT: 'eighty', METRICS_PORT: '70000', DATABASE_URL: 'postgres://127.0.0.1:1/none', JWT_SECRET: testJwtSecret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).to.equal(78);
    const fatal = output.split('\n').filter((line) => line.includes('invalid configuration')).map((line) => JSON.parse(line) as { process: string; problems: string[] });
    expect(fatal.map((f) => f.process)).to.deep.equal(['api', 'worker']);
    expect(JSON.stringify(fatal[0]!.problems)).to.include('PORT');
    expect(JSON.stringify(fatal[1]!.problems)).to.include('METRICS_PORT');
  });
});
