import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { serviceRoles, Topology, withRole } from '@order-platform/shared';
import { asAdmin, call, deleteNamespaceStreams, eventually, publishEvent, readStream, sleep, testJwtSecret, uniqueNamespace } from '@order-platform/shared/testing';
// make chaos's own infrastructure: a nats-server and a Postgres cluster of this test only
import { freePort, startNats, startPostgres } from '../../../scripts/chaos/infra.mjs';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));

// An api and a worker (stock-service's, the built ones, as processes) started while Postgres or
// NATS is down: they stay up, say they are not ready (/readyz 503, requests 503 problem+json),
// and once the dependency is back they become ready on their own and do their work: the api
// writes, the relay publishes, the consumers consume. Nothing is restarted.
describe('processes started while Postgres or NATS is down', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'start-while-down-'));
  const logFile = join(dir, 'log');
  const namespace = uniqueNamespace('down');
  const topology = new Topology(namespace);
  let pg: Awaited<ReturnType<typeof startPostgres>>;
  let nats: Awaited<ReturnType<typeof startNats>>;
  let adminUrl: string;
  const output: string[] = [];
  const children: ChildProcess[] = [];

  const spawnNode = (args: string[], env: Record<string, string>) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, NATS_URL: nats.url, NATS_NAMESPACE: namespace, JWT_SECRET: testJwtSecret, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [child.stdout!, child.stderr!]) s.on('data', (d: Buffer) => output.push(d.toString()));
    children.push(child);
    return child;
  };
  const roles = serviceRoles('stock_service');
  const urlAs = (role: 'owner' | 'app') => withRole(adminUrl, roles[role], { database: roles.database });

  before(async () => {
    pg = await startPostgres();
    nats = await startNats({ dir, logFile });
    adminUrl = `${pg.baseUrl}/postgres`;
    const migrate = spawnNode(['migrator/dist/src/main.js', 'stock-service'], { DATABASE_ADMIN_URL: adminUrl, DATABASE_URL: urlAs('owner'), DATABASE_APP_ROLE: '' });
    expect(await exited(migrate), output.join('')).to.equal(0);
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  after(async () => {
    const nc = await connect({ servers: nats.url }).catch(() => undefined);
    if (nc) {
      await deleteNamespaceStreams(nc, namespace);
      await nc.close();
    }
    await nats.stop();
    await pg.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The api and the worker, started now: with whatever is down still down. */
  async function startApiAndWorker() {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const api = spawnNode(['stock-service/dist/src/api/main.js'], { DATABASE_URL: urlAs('app'), PORT: String(port) });
    const worker = spawnNode(['stock-service/dist/src/worker/main.js'], { DATABASE_URL: urlAs('app'), METRICS_PORT: String(metricsPort) });
    const apiUrl = `http://127.0.0.1:${port}`;
    const workerUrl = `http://127.0.0.1:${metricsPort}`;
    // alive (listening) long before they are ready
    await eventually(async () => expect((await call(apiUrl, 'GET', '/healthz')).status).to.equal(200), { timeoutMs: 20_000 });
    await eventually(async () => expect((await call(workerUrl, 'GET', '/healthz')).status).to.equal(200), { timeoutMs: 20_000 });
    return { api, worker, apiUrl, workerUrl };
  }

  async function expectWaiting(p: Awaited<ReturnType<typeof startApiAndWorker>>, dependency: string) {
    await sleep(2000); // long enough for a process that would exit to have exited
    expect(p.api.exitCode, 'the api exited instead of waiting').to.equal(null);
    expect(p.worker.exitCode, 'the worker exited instead of waiting').to.equal(null);
    const ready = await call(p.apiUrl, 'GET', '/readyz');
    expect(ready.status).to.equal(503);
    expect(ready.body).to.deep.include({ status: 'starting', waitingFor: dependency });
    const refused = await call(p.apiUrl, 'POST', '/products', product('WAIT-1'), await asAdmin());
    expect(refused.status).to.equal(503);
    expect(refused.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(refused.headers.get('retry-after')).to.equal('5');
    expect(refused.body.detail).to.contain(`waiting for ${dependency}`);
    const workerReady = await call(p.workerUrl, 'GET', '/readyz');
    expect(workerReady.status).to.equal(503);
    expect(workerReady.body).to.deep.include({ status: 'starting', waitingFor: dependency });
  }

  /** Once back: both ready, and the api, the relay and a consumer each do their work. */
  async function expectWorking(p: Awaited<ReturnType<typeof startApiAndWorker>>, sku: string) {
    await eventually(async () => expect((await call(p.apiUrl, 'GET', '/readyz')).status).to.equal(200), { timeoutMs: 30_000 });
    await eventually(async () => expect((await call(p.workerUrl, 'GET', '/readyz')).status).to.equal(200), { timeoutMs: 30_000 });
    const created = await call(p.apiUrl, 'POST', '/products', product(sku), await asAdmin());
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const nc = await connect({ servers: nats.url });
    try {
      const orderId = crypto.randomUUID();
      await publishEvent(nc, topology, 'orders.created', {
        orderId, customerId: 'c1', items: [{ sku, quantity: 2, unitPrice: { amount: 100, currency: 'EUR' } }], total: { amount: 200, currency: 'EUR' },
        payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' }, createdAt: new Date().toISOString(),
      }, { subject: orderId });
      await eventually(async () => {
        const stock = await readStream(nc, topology.stream('STOCK'));
        const types = stock.filter((m) => [sku, orderId].includes(m.headers['ce-subject']!)).map((m) => m.headers['ce-type']);
        expect(types).to.include.members(['stock.product-changed', 'stock.reserved']);
      }, { timeoutMs: 30_000 });
    } finally {
      await nc.close();
    }
    expect(p.api.exitCode).to.equal(null);
    expect(p.worker.exitCode).to.equal(null);
  }

  it('Postgres down at start: both wait, not ready, then work once it is back', async () => {
    await pg.stop();
    const p = await startApiAndWorker();
    await expectWaiting(p, 'Postgres');
    await pg.start();
    await expectWorking(p, 'PG-BACK-1');
    expect(output.join('')).to.contain('waiting for Postgres');
  });

  it('NATS down at start: both wait, not ready, then work once it is back', async () => {
    await nats.kill9();
    const p = await startApiAndWorker();
    await expectWaiting(p, 'NATS');
    await nats.start();
    await expectWorking(p, 'NATS-BACK-1');
    expect(output.join('')).to.contain('waiting for NATS');
  });
});

function product(sku: string) {
  return { sku, name: `Product ${sku}`, price: { amount: 100, currency: 'EUR' }, onHand: 10 };
}
