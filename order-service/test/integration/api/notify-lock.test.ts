import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import { eventually, readStream, sleep } from '@order-platform/shared/testing';
import { seedCatalog } from '../../support/catalog.js';
import { FEED_LISTEN } from '../../../src/data/history-feed.js';
import { facts, report } from '../../support/lifecycle.js';
import { call, orderBody, startOrderService, type OrderService } from '../../support/order-service.js';

const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A promise's value, or `timedOut` if it takes longer than `ms` (it goes on; the test ends it). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timed out'> {
  return Promise.race([promise, sleep(ms).then(() => 'timed out' as const)]);
}

// Postgres serializes every transaction that NOTIFYs at its commit: one lock for the whole
// cluster, held through the commit (shared/src/db/commit-notifier.ts). A transaction that has
// notified and waits at its commit for a synchronous standby that never answers holds that lock
// until it is cancelled; on this test's own cluster (pg_createcluster, as the restart suites do),
// where only that transaction waits for a standby, a write whose commit notifies waits behind it,
// and one that notifies after its commit does not.
describe('order-service commits without the cluster-wide lock of NOTIFY', function () {
  this.timeout(120_000);
  const name = `notifylock-${process.pid}`;
  const ctl = (...args: string[]) => run('pg_ctlcluster', ['--skip-systemctl-redirect', '15', name, ...args]);
  let clusterUrl: string;
  let orders: OrderService | undefined;
  const clients: pg.Client[] = [];

  async function client(database = 'postgres'): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: clusterUrl.replace(/\/postgres$/, `/${database}`) });
    c.on('error', () => undefined);
    await c.connect();
    clients.push(c);
    return c;
  }

  before(async () => {
    const port = await freePort();
    await run('pg_createcluster', ['15', name, '-p', String(port), '--', '--auth=trust']);
    // every commit is local but the one that asks for more (synchronous_commit = on): that one
    // waits for a standby named here, which never connects
    appendFileSync(`/etc/postgresql/15/${name}/postgresql.conf`, "\nlisten_addresses = '127.0.0.1'\nsynchronous_standby_names = 'nobody'\nsynchronous_commit = local\n");
    await ctl('start');
    clusterUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    orders = await startOrderService({ databaseServerUrl: clusterUrl });
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
  });

  after(async () => {
    // a holder left waiting (the test failed before it let go) would keep every notifying commit,
    // and with them the service's pools, waiting: end its wait first, on a connection of our own
    const admin = await client().catch(() => undefined);
    await admin?.query("select pg_cancel_backend(pid) from pg_stat_activity where wait_event = 'SyncRep'").catch(() => undefined);
    await orders?.close();
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await ctl('stop', '-m', 'immediate').catch(() => undefined);
    await run('pg_dropcluster', ['15', name]);
  });

  it('places and advances an order while another database holds that lock, and wakes the relay and the stream once it is free', async () => {
    const service = orders!;
    const database = service.database.name;
    const listener = await client(database);
    const heard: { channel: string; payload: string | undefined }[] = [];
    listener.on('notification', (n) => heard.push({ channel: n.channel, payload: n.payload }));
    // as an api's feed watches a stream: the watchers' locks, then the LISTEN (else no worker NOTIFYs history)
    await listener.query(FEED_LISTEN);
    await listener.query('listen outbox');

    // in another database of the cluster: a transaction that has notified and written (only a
    // commit that wrote WAL waits for a standby), stuck in its commit
    const holder = await client();
    await holder.query('create table if not exists holder (x int)');
    await holder.query('set synchronous_commit = on');
    await holder.query('begin');
    await holder.query("select pg_notify('elsewhere', '')");
    await holder.query('insert into holder values (1)');
    const holding = holder.query('commit');
    const watcher = await client();
    const waitOf = async (pid: number) => (await watcher.query<{ wait: string | null }>('select wait_event as wait from pg_stat_activity where pid = $1', [pid])).rows[0]?.wait;
    const holderPid = (holder as unknown as { processID: number }).processID;
    await eventually(async () => expect(await waitOf(holderPid), 'the holder waits for its standby').to.equal('SyncRep'));
    // the premise: a commit that notifies, anywhere on the cluster, now waits for the lock
    const probe = await client();
    const probing = probe.query("select pg_notify('probe', '')");
    const probePid = (probe as unknown as { processID: number }).processID;
    await eventually(async () => expect(await waitOf(probePid), 'a notifying commit waits for the lock').to.equal('object'));

    const placed = await within(call(service.api.url, 'POST', '/orders', orderBody()), 10_000);
    expect(placed, "POST /orders waited for the cluster's NOTIFY lock").to.not.equal('timed out');
    const order = (placed as { status: number; body: { id: string; total: { amount: number } } }).body;
    expect((placed as { status: number }).status).to.equal(202);

    // the worker's transition writes a history entry: committed while the lock is still held
    await report(service, 'stock.reserved', facts.reserved(order.id));
    const statusOf = async () => (await service.api.resources.db('orders').where({ id: order.id }).first())?.status;
    await eventually(async () => expect(await statusOf(), "the transition's commit waited for the lock").to.equal('stock_reserved'), { timeoutMs: 10_000 });
    expect(await waitOf(holderPid), 'the lock is still held').to.equal('SyncRep');
    expect(heard.filter((n) => n.payload === order.id), 'nothing about the order goes out while the lock is held').to.deep.equal([]);

    // the lock is free: the notifications asked for after those commits go out
    await watcher.query('select pg_cancel_backend($1)', [holderPid]);
    await holding.catch(() => undefined);
    await probing;
    await eventually(() => {
      expect(heard.some((n) => n.channel === 'order_history' && n.payload === order.id), "the order's stream is woken").to.equal(true);
      expect(heard.some((n) => n.channel === 'outbox'), 'the relay is woken').to.equal(true);
    });
    const created = await eventually(async () => {
      const messages = await readStream(service.api.resources.nc, service.topology.stream('ORDERS'), service.topology.subject('orders.created'));
      const mine = messages.filter((m) => m.headers['ce-subject'] === order.id);
      expect(mine).to.have.length(1);
      return mine;
    });
    expect(created).to.have.length(1);

    // and a transition with the lock free notifies its stream after the commit, on its own
    heard.length = 0;
    await report(service, 'payments.captured', facts.captured(order.id, order.total.amount));
    await eventually(async () => expect(await statusOf()).to.equal('confirmed'));
    await eventually(() => expect(heard.filter((n) => n.channel === 'order_history' && n.payload === order.id)).to.have.length(1));
  });
});
