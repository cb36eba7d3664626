import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  closeNats, connectNats, ConsumerRunner, createDb, createRegistry, createExhaustedTable, createMessagingTables, declareConsumer, declareTopology, defaultStreamSettings, OutboxRelay, Outbox, subscribe, Topology,
  type EventHandler, type Knex, type NatsConnection,
} from '../../src/index.js';
import { createTestDatabase, deleteNamespaceStreams, eventually, readStream, sleep, uniqueNamespace, type TestDatabase } from '../../src/testing/index.js';
import { silentLog } from '../support/messaging.js';
import { orderCreated, publishedCount } from '../support/outbox-rows.js';
// a nats-server of this test only (make chaos's), so that freezing it disturbs no one
import { startNats } from '../../../scripts/chaos/infra.mjs';

const PUBLISH_TIMEOUT_MS = 2000;
const PAUSE_MS = 5000; // longer than the publish timeout: publishes in flight time out
const EVENTS = 300;
const consumer = declareConsumer('test-service', 'orders.created', { maxAttempts: 20, ackWaitMs: 4000 });
const outbox = new Outbox('/order-service'); // the owner of ORDERS: consumers dead-letter any other source

// NATS frozen (SIGSTOP: the socket stays open, nothing answers) while events are being written,
// relayed and consumed: publishes and acks time out. When it thaws, every event written is in
// the stream once and applied once.
describe('a NATS pause longer than the publish timeout', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'nats-pause-'));
  let nats: Awaited<ReturnType<typeof startNats>>;
  let database: TestDatabase;
  let db: Knex;
  let relayNc: NatsConnection;
  let consumerNc: NatsConnection;
  let topology: Topology;
  let relay: OutboxRelay;
  let runner: ConsumerRunner;
  const registry = createRegistry({ service: 'test-service', process: 'worker' });

  before(async () => {
    nats = await startNats({ dir, logFile: join(dir, 'nats.log') });
    database = await createTestDatabase('natspause');
    db = createDb(database.url);
    await createMessagingTables(db);
    await createExhaustedTable(db);
    await db.schema.createTable('applied', (t) => t.text('order_id').notNullable());
    const connect = (name: string) => connectNats({ url: nats.url, name, log: silentLog });
    [relayNc, consumerNc] = [await connect('relay'), await connect('consumer')];
    topology = new Topology(uniqueNamespace('pause'));
    await declareTopology(relayNc, topology, { streams: ['ORDERS', 'DLQ'], consumers: [consumer] }, defaultStreamSettings, silentLog);
    relay = new OutboxRelay({ db, databaseUrl: database.url, nc: relayNc, topology, log: silentLog, service: 'test-service', registry, publishTimeoutMs: PUBLISH_TIMEOUT_MS, pollIntervalMs: 200 });
    const apply: EventHandler<'orders.created'> = async (event, { trx }) => {
      await trx('applied').insert({ order_id: event.data.orderId });
    };
    runner = new ConsumerRunner({
      service: 'test-service', db, nc: consumerNc, topology, outbox, log: silentLog,
      subscriptions: [subscribe(consumer, apply)], retry: { baseDelayMs: 200, maxDelayMs: 1000 },
    });
  });

  after(async () => {
    await runner?.stop();
    await relay?.stop();
    nats.resume();
    await deleteNamespaceStreams(relayNc, topology.namespace).catch(() => undefined);
    await closeNats(relayNc);
    await closeNats(consumerNc);
    await db.destroy();
    await database.drop();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing and applies nothing twice: every event once in the stream, once in the consumer', async () => {
    relay.start();
    runner.start();
    const ids: string[] = [];
    const write = async (from: number, count: number) => {
      await db.transaction(async (trx) => {
        for (let i = from; i < from + count; i++) {
          ids.push((await outbox.add(trx, 'orders.created', { subject: `order-${i}`, data: orderCreated(`order-${i}`), time: new Date() })).id);
        }
      });
    };
    // 300 events over ~6 s, in commits of 10; NATS frozen from the 1.5th second for PAUSE_MS
    let paused = false;
    const started = Date.now();
    for (let n = 0; n < EVENTS; n += 10) {
      await write(n, 10);
      if (!paused && Date.now() - started > 1500) {
        nats.pause();
        paused = true;
        setTimeout(() => nats.resume(), PAUSE_MS);
      }
      await sleep(200);
    }
    expect(paused).to.equal(true);
    await sleep(Math.max(0, started + 1500 + PAUSE_MS - Date.now()));

    await eventually(async () => expect(await publishedCount(db), 'outbox rows marked published').to.equal(EVENTS), { timeoutMs: 60_000 });
    await eventually(async () => {
      const applied = await db('applied').count<{ count: number }[]>('* as count');
      expect(Number(applied[0]!.count), 'events applied').to.equal(EVENTS);
    }, { timeoutMs: 60_000 });
    const stream = await readStream(relayNc, topology.stream('ORDERS'));
    const inStream = stream.map((m) => m.headers['ce-id']);
    expect(inStream.length, 'messages in the stream').to.equal(EVENTS);
    expect(new Set(inStream)).to.deep.equal(new Set(ids));
    const perOrder = await db('applied').select('order_id').count<{ order_id: string; count: number }[]>('* as count').groupBy('order_id').havingRaw('count(*) > 1');
    expect(perOrder, 'orders applied twice').to.deep.equal([]);
    // the pause did what it is for: publishes in flight got no PubAck within the timeout
    const failures = (await registry.getSingleMetric('outbox_publish_failures_total')!.get()).values[0]?.value ?? 0;
    expect(failures, 'publishes that timed out during the pause').to.be.greaterThan(0);
    const dead = await readStream(relayNc, topology.stream('DLQ'));
    expect(dead.length, 'dead letters').to.equal(0);
  });
});
