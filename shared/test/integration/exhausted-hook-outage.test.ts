import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  ConsumerRunner, createDb, createExhaustedTable, createMessagingTables, declareConsumer, declareTopology, defaultStreamSettings, envelopeHeaders, Outbox, subscribe, Topology, type Knex,
} from '../../src/index.js';
import { deleteNamespaceStreams, eventually, readStream, sleep, testNatsConnection, uniqueNamespace } from '../../src/testing/index.js';
import { silentLog } from '../support/messaging.js';

const run = promisify(execFile);
const consumer = declareConsumer('test-service', 'stock.product-changed', { maxAttempts: 2, ackWaitMs: 5000 });
const OUTAGE_MS = 4000;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// Postgres of its own (pg_createcluster, as make chaos does), so that stopping it disturbs no one.
describe('an on-exhausted hook that fails while Postgres restarts', function () {
  this.timeout(120_000);
  const name = `exhausted-${process.pid}`;
  const ctl = (...args: string[]) => run('pg_ctlcluster', ['--skip-systemctl-redirect', '15', name, ...args]);
  let db: Knex;
  let nc: NatsConnection;
  let topology: Topology;
  let runner: ConsumerRunner | undefined;

  before(async () => {
    const port = await freePort();
    await run('pg_createcluster', ['15', name, '-p', String(port), '--', '--auth=trust']);
    appendFileSync(`/etc/postgresql/15/${name}/postgresql.conf`, "\nlisten_addresses = '127.0.0.1'\n");
    await ctl('start');
    db = createDb(`postgres://postgres@127.0.0.1:${port}/postgres`, { poolMax: 4 });
    await createMessagingTables(db);
    await createExhaustedTable(db);
    nc = await testNatsConnection();
    topology = new Topology(uniqueNamespace('exhausted'));
    await declareTopology(nc, topology, { streams: ['STOCK', 'DLQ'], consumers: [consumer] }, defaultStreamSettings, silentLog);
  });

  after(async () => {
    await runner?.stop();
    await deleteNamespaceStreams(nc, topology.namespace);
    await nc.close();
    await db.destroy();
    await ctl('stop', '-m', 'immediate').catch(() => undefined);
    await run('pg_dropcluster', ['15', name]);
  });

  it('is not lost to max_deliver: it still runs once Postgres is back, and the failure event is written', async () => {
    const hookCalls: number[] = [];
    let restarted: Promise<unknown> | undefined;
    runner = new ConsumerRunner({
      service: 'test-service', db, nc, topology, outbox: new Outbox('/test-service'), log: silentLog,
      retry: { baseDelayMs: 100, maxDelayMs: 400 },
      subscriptions: [
        subscribe(consumer, async () => {
          throw new Error('gateway unavailable');
        }, {
          onExhausted: async (event, { outbox }) => {
            hookCalls.push(Date.now());
            if (!restarted) {
              // the database goes away under the hook, and stays away longer than the spare deliveries last
              await ctl('stop', '-m', 'immediate');
              restarted = sleep(OUTAGE_MS).then(() => ctl('start'));
            }
            await outbox.add('stock.low', { subject: event.data.sku, data: { sku: event.data.sku, name: 'x', available: 0, threshold: 1, detectedAt: new Date().toISOString() } });
          },
        }),
      ],
    });
    runner.start();
    const headers = envelopeHeaders({ id: crypto.randomUUID(), type: 'stock.product-changed', source: '/stock-service', subject: 'sku', time: new Date().toISOString() });
    const data = { sku: 'OUTAGE-1', name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, active: true, version: 1, changedAt: new Date().toISOString() };
    await jetstream(nc).publish(topology.subject('stock.product-changed'), new TextEncoder().encode(JSON.stringify(data)), { headers });

    await eventually(async () => expect(restarted).to.not.equal(undefined), { timeoutMs: 10_000 });
    await restarted;
    const outbox = await eventually(async () => {
      const rows = await db('outbox').select('type', 'subject');
      expect(rows).to.have.length(1);
      return rows;
    }, { timeoutMs: 60_000 });
    expect(outbox).to.deep.equal([{ type: 'stock.low', subject: 'OUTAGE-1' }]);
    const count = async (table: string) => Number((await db(table).count<{ n: number }[]>('* as n'))[0]!.n);
    expect(await count('exhausted_messages')).to.equal(0);
    expect((await readStream(nc, topology.stream('DLQ'))).length).to.be.greaterThan(0);
    await sleep(1000);
    expect(await count('outbox')).to.equal(1);
  });
});
