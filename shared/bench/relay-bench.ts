/**
 * make bench-relay: how fast the outbox relay moves committed rows to JetStream, against the
 * raw JetStream publish rate of this machine measured in the same run on the same server.
 *
 *   BENCH_EVENTS (default 100000)  rows in the outbox run
 *   RELAY_MARK_DELAY_MS (default: a worker's, 0)  how long the relay waits before it marks
 *   TEST_DATABASE_URL / TEST_NATS_URL  where to run (local defaults)
 */
import { performance } from 'node:perf_hooks';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import pino from 'pino';
import { AsyncPublisher, createDb, createMessagingTables, declareTopology, defaultStreamSettings, envelopeHeaders, OutboxRelay, Topology, workerConfig } from '../src/index.js';
import { createTestDatabase, deleteNamespaceStreams, testNatsConnection, uniqueNamespace } from '../src/testing/index.js';

const N = Number(process.env['BENCH_EVENTS'] ?? 100_000);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 1000);
const MARK_DELAY_MS = Number(process.env['RELAY_MARK_DELAY_MS'] ?? workerConfig.relayMarkDelayMs.default);
const log = pino({ level: 'warn' });
const out = (line: string) => process.stdout.write(`${line}\n`);

const sampleData = JSON.stringify({
  orderId: '6f1c2d36-5f0e-4d7e-9a51-1b2c3d4e5f60',
  customerId: 'customer-42',
  items: [{ sku: 'KETTLE-1', quantity: 2, unitPrice: { amount: 2599, currency: 'EUR' } }, { sku: 'MUG-1', quantity: 4, unitPrice: { amount: 450, currency: 'EUR' } }],
  total: { amount: 6998, currency: 'EUR' },
  payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' },
  createdAt: '2026-11-22T10:00:00.000Z',
});

const database = await createTestDatabase('bench');
const db = createDb(database.url, { poolMax: 4 });
await createMessagingTables(db);
const nc = await testNatsConnection();
const topology = new Topology(uniqueNamespace('bench'));
await declareTopology(nc, topology, { streams: ['ORDERS'], consumers: [] }, defaultStreamSettings, log);
const jsm = await jetstreamManager(nc);
const stream = topology.stream('ORDERS');
const subject = topology.subject('orders.created');
const encoder = new TextEncoder();

async function purge(): Promise<void> {
  await jsm.streams.purge(stream);
}

function headersFor(i: number) {
  return envelopeHeaders({ id: `raw-${i}-${crypto.randomUUID()}`, type: 'orders.created', source: '/bench', subject: `order-${i}`, time: new Date().toISOString() });
}

/** Raw ceiling: the same messages through the same pipelined publisher, no database. */
async function rawRate(count: number, window: number): Promise<number> {
  await purge();
  const publisher = new AsyncPublisher(nc, 30_000);
  const started = performance.now();
  for (let base = 0; base < count; base += window) {
    const batch: Promise<unknown>[] = [];
    for (let i = base; i < Math.min(count, base + window); i++) batch.push(publisher.publish(subject, encoder.encode(sampleData), headersFor(i)));
    await Promise.all(batch);
  }
  const seconds = (performance.now() - started) / 1000;
  publisher.close();
  return count / seconds;
}

/** For reference: nats.js's own js.publish, one request per message. */
async function jsPublishRate(count: number, window: number): Promise<number> {
  await purge();
  const js = jetstream(nc);
  const started = performance.now();
  for (let base = 0; base < count; base += window) {
    const batch: Promise<unknown>[] = [];
    for (let i = base; i < Math.min(count, base + window); i++) batch.push(js.publish(subject, encoder.encode(sampleData), { headers: headersFor(i), msgID: `js-${i}-${base}` }));
    await Promise.all(batch);
  }
  return count / ((performance.now() - started) / 1000);
}

async function relayRate(count: number): Promise<{ rate: number; markedRate: number }> {
  await purge();
  const relay = new OutboxRelay({ db, databaseUrl: database.url, nc, topology, log, pollIntervalMs: 60_000, batchSize: BATCH, markDelayMs: MARK_DELAY_MS });
  relay.start();
  while (!relay.isLeader) await new Promise((r) => setTimeout(r, 20));
  // One transaction of `count` rows; the clock starts at its commit.
  const trx = await db.transaction();
  await trx.raw(
    `insert into outbox (id, type, source, subject, time, data)
     select gen_random_uuid(), 'orders.created', '/bench', 'order-' || i, now(), ?::jsonb from generate_series(1, ?) as i`,
    [sampleData, count],
  );
  await trx.commit();
  const committed = performance.now();
  for (;;) {
    const { state } = await jsm.streams.info(stream);
    if (state.messages >= count) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const acked = performance.now();
  for (;;) {
    const [row] = await db('outbox').whereNull('published_at').count<{ count: number }[]>('* as count');
    if (Number(row!.count) === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const marked = performance.now();

  await relay.stop();
  await db('outbox').del();
  return { rate: count / ((acked - committed) / 1000), markedRate: count / ((marked - committed) / 1000) };
}

try {
  out(`bench-relay: ${N} events, payload ${sampleData.length} bytes + CloudEvents headers, stream ${stream} (file storage)`);
  const raw1000 = await rawRate(N, 1000);
  const raw5000 = await rawRate(N, 5000);
  const ceiling = Math.max(raw1000, raw5000);
  const jsPublish = await jsPublishRate(Math.min(N, 30_000), 1000);
  const relay = await relayRate(N);
  const ratio = relay.rate / ceiling;
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  out(`raw JetStream pipelined publish (window 1000): ${f(raw1000)} events/s`);
  out(`raw JetStream pipelined publish (window 5000): ${f(raw5000)} events/s`);
  out(`nats.js js.publish, 1000 in flight (reference): ${f(jsPublish)} events/s`);
  out(`outbox relay, commit -> last PubAck:            ${f(relay.rate)} events/s (RELAY_MARK_DELAY_MS=${MARK_DELAY_MS})`);
  out(`outbox relay, commit -> last row marked:        ${f(relay.markedRate)} events/s`);
  out(`ratio relay / raw ceiling: ${ratio.toFixed(2)} (target >= 0.70), relay ${relay.rate >= 15_000 ? '>=' : '<'} 15,000 events/s`);
} finally {
  await deleteNamespaceStreams(nc, topology.namespace);
  await nc.close();
  await db.destroy();
  await database.drop();
}
