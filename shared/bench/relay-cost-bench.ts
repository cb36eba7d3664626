/**
 * make bench-relay-cost: what the outbox relay costs, measured on a relay in its own process
 * (the crash tests' fixture), so the load generator's CPU is not counted.
 *
 *   CPU ms per 1000 events  utime + stime of the relay process (/proc/PID/stat) while it moves
 *                           the events, minus what it burns idle over the same time
 *     bulk:    BENCH_EVENTS rows committed in one transaction
 *     orders:  BENCH_EVENTS rows, one per transaction, from BENCH_WRITERS concurrent writers at
 *              BENCH_RATE transactions/s in all (the same arrivals whatever the relay does)
 *   batches per 1000 events  the relay's outbox_batch_size count (each batch is a select, a
 *                           publish round and a mark)
 *   idle latency            one row committed to an idle relay: from sending the insert (an
 *                           autocommit statement) to the message on the stream's subject; BENCH_SAMPLES of them, 25 ms apart;
 *                           and the insert's own round trip (its commit's WAL flush), which no relay can shorten
 *
 *   RELAY_GATHER_MS         passed to the relay process (unset: its default)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { createDb, createMessagingTables, declareTopology, defaultStreamSettings, Topology } from '../src/index.js';
import { createTestDatabase, deleteNamespaceStreams, testInfra, testNatsConnection, uniqueNamespace } from '../src/testing/index.js';
import { startRelayProcess, waitUntilActive } from '../test/support/relay-process.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 20_000);
const WRITERS = Number(process.env['BENCH_WRITERS'] ?? 16);
const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 200);
const RATE = Number(process.env['BENCH_RATE'] ?? 500);
const TICK_MS = 1000 / 100; // CLK_TCK
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const data = JSON.stringify({ orderId: 'order-1', customerId: 'customer-42', items: [{ sku: 'KETTLE-1', quantity: 2, unitPrice: { amount: 2599, currency: 'EUR' } }], total: { amount: 5198, currency: 'EUR' }, payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' }, createdAt: '2026-11-22T10:00:00.000Z' });
const insert = `insert into outbox (id, type, source, subject, time, data)
                select gen_random_uuid(), 'orders.created', '/bench', 'order-' || i, now(), $1::json from generate_series(1, $2) as i`;

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime (fields 14, 15)
}

const { natsUrl } = await testInfra();
const database = await createTestDatabase('relaycost');
const db = createDb(database.url, { poolMax: 4 });
await createMessagingTables(db);
const pool = new pg.Pool({ connectionString: database.url, max: WRITERS });
pool.on('error', () => undefined); // the drop at the end terminates idle clients
const nc = await testNatsConnection();
const topology = new Topology(uniqueNamespace('relaycost'));
await declareTopology(nc, topology, { streams: ['ORDERS'], consumers: [] }, defaultStreamSettings, pino({ level: 'warn' }));
const relay = startRelayProcess({ databaseUrl: database.url, natsUrl, namespace: topology.namespace, extraEnv: { RELAY_BATCH_SIZE: '1000', RELAY_POLL_INTERVAL_MS: '1000' } });

/** The relay process's batch count so far (its fixture logs it on SIGUSR2). */
async function batches(): Promise<number> {
  const seen = relay.output().length;
  relay.child.kill('SIGUSR2');
  for (;;) {
    const match = /"batches":(\d+)/.exec(relay.output().slice(seen));
    if (match) return Number(match[1]);
    await sleep(5);
  }
}

async function unpublished(): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null');
  return rows[0]!.n;
}

/** Relay CPU while `load` runs and until every row is marked, less its idle CPU over the same time. */
async function measure(label: string, load: () => Promise<void>): Promise<void> {
  const idleFrom = cpuMs(relay.child.pid!);
  await sleep(2000);
  const idlePerMs = (cpuMs(relay.child.pid!) - idleFrom) / 2000;
  const batchesFrom = await batches();
  const from = cpuMs(relay.child.pid!);
  const started = performance.now();
  await load();
  while ((await unpublished()) > 0) await sleep(10);
  const elapsed = performance.now() - started;
  const cpu = cpuMs(relay.child.pid!) - from - idlePerMs * elapsed;
  const rounds = (await batches()) - batchesFrom;
  out(`${label}: ${EVENTS} events in ${Math.round(elapsed)} ms, relay CPU ${Math.round(cpu)} ms = ${((cpu / EVENTS) * 1000).toFixed(1)} ms per 1000 events, ${Math.round((rounds / EVENTS) * 1000)} batches per 1000 events (idle ${(idlePerMs * 1000).toFixed(1)} ms/s subtracted)`);
  await pool.query('delete from outbox');
}

try {
  await waitUntilActive(relay);
  out(`bench-relay-cost: relay process ${relay.child.pid}, RELAY_GATHER_MS=${process.env['RELAY_GATHER_MS'] ?? '(default)'}`);

  await measure('bulk (one transaction)', async () => {
    await pool.query(insert, [data, EVENTS]);
  });
  await measure(`orders (one row per transaction, ${WRITERS} writers, ${RATE}/s)`, async () => {
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = next++; i < EVENTS; i = next++) {
          const due = start + (i * 1000) / RATE - performance.now();
          if (due > 0) await sleep(due);
          await pool.query(insert, [data, 1]);
        }
      }),
    );
  });

  const subject = topology.subject('orders.created');
  const latencies: number[] = [];
  const commits: number[] = [];
  let received: (() => void) | undefined;
  const sub = nc.subscribe(subject, { callback: () => received?.() });
  await nc.flush();
  for (let i = 0; i < SAMPLES; i++) {
    await sleep(25);
    const arrived = new Promise<void>((resolve) => (received = resolve));
    const started = performance.now();
    await pool.query(insert, [data, 1]);
    commits.push(performance.now() - started);
    await arrived;
    latencies.push(performance.now() - started);
  }
  sub.unsubscribe();
  const q = (samples: number[], p: number) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(p * samples.length))]!.toFixed(2);
  const quantiles = (samples: number[]) => `p50 ${q(samples, 0.5)} ms, p90 ${q(samples, 0.9)} ms, p99 ${q(samples, 0.99)} ms`;
  out(`idle single event, insert + commit -> on the subject (${SAMPLES} samples): ${quantiles(latencies)}`);
  out(`  of which the insert + commit alone (the database's, until its result is back): ${quantiles(commits)}`);
} finally {
  await relay.kill('SIGTERM');
  await deleteNamespaceStreams(nc, topology.namespace);
  await nc.close();
  await pool.end();
  await db.destroy();
  await database.drop();
}
