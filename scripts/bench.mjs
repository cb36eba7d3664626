#!/usr/bin/env node
// make bench: loads the whole saga and reports what it cost. Starts its own copy of the system
// (free ports, databases and NATS namespace of the run, dropped at the end), places tok_ok
// orders flat out (BENCH_CONCURRENCY in flight), at BENCH_RATE orders/s (open loop), or
// BENCH_IDLE of them one at a time, each after BENCH_WARMUP_SECONDS (10) flat out whose orders
// are not counted, and reports, for the same run:
// - orders/s reaching a terminal state, latency p50/p95/p99/max from the first POST to
//   orders.confirmed (seen on a NATS core subscription, never by polling);
// - the raw ceilings: single-row insert transactions/s of the same Postgres, pipelined JetStream
//   publishes/s of the same NATS, before the run and again after it (the system stopped);
// - per order: transactions (pg_stat_database of the run's databases), Postgres round trips
//   (scripts/bench/query-counter.mjs in each api and worker), JetStream messages, and CPU ms of
//   every process: each api and worker, the generator (this process), the SMTP sink, Postgres
//   (its backends per database, the rest apart) and nats-server;
// - RSS of each worker over the run;
// - where an order's time goes, hop by hop (scripts/bench/hops.mjs), for up to 200 of its orders;
// - docs/architecture.md "Invariants" checked at the end, as the last lines (exit 1 if one fails).
// Figures go to bench-results/<time>-<run>.json, the run over time to the .svg next to it.
// Each order is two requests, as a client makes them: the card to payment-service
// (POST /payment-methods), then the order naming it (POST /orders).
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { issueToken } from '@order-platform/shared';
import { rawJetStreamRate, rawPostgresRate } from './bench/ceilings.mjs';
import { runChart } from './bench/chart.mjs';
import { hopBreakdown } from './bench/hops.mjs';
import { checkInvariants } from './bench/invariants.mjs';
import { waitQuiet } from './chaos/quiet.mjs';
import { completions, drive, jsonClient, orderPlacer } from './bench/load.mjs';
import { meter, startSink } from './bench/measure.mjs';
import { ACTIVITY_KINDS, sampleActivity } from './bench/pg-activity.mjs';
import { postgresSnapshot, rssKb } from './bench/processes.mjs';
import { int, report } from './bench/report.mjs';
import { cleanUp, freePort, queryDb } from './bench/run-resources.mjs';
import { peers, services, startStack } from './stack.mjs';

const env = process.env;
const settings = {
  seconds: Number(env.BENCH_SECONDS ?? 20),
  rate: Number(env.BENCH_RATE ?? 0),
  idle: Number(env.BENCH_IDLE ?? 0),
  // in flight flat out; the HTTP sockets per api otherwise. Flat out means the most the system
  // completes, so enough orders wait that each batch and relay round is full: with 16 in flight
  // the machine was as busy, but each of its wake-ups found less to do. On the development VM,
  // alternating within an hour: 16 → 101, 122 (slow hour), 262, 176 (fast); 64 → 135, 139, 216;
  // 128 → 136, 166, 328, 240; 256 → 261, 204 orders/s.
  concurrency: Number(env.BENCH_CONCURRENCY ?? (Number(env.BENCH_RATE ?? 0) > 0 ? 64 : 128)),
  rawPostgresSeconds: Number(env.BENCH_RAW_PG_SECONDS ?? 5),
  rawJetStreamMessages: Number(env.BENCH_RAW_JS_MESSAGES ?? 50_000),
  // Every run measures a system that has served orders before, as a running one has: one just
  // started runs its code unoptimised for its first thousands of orders, and V8's optimising
  // compiler is a fifth of the services' CPU between 5 and 15 s of a flat-out run (2 % after
  // 90 s). Idle, p50 was 50–66 ms against 43–48 ms after 15 s of load; flat out for 20 s, 146 and
  // 162 orders/s against 186 and 196 after 10 s of warm-up (alternating, on the development VM).
  warmUpSeconds: Number(env.BENCH_WARMUP_SECONDS ?? 10),
};
// how often the run's Postgres backends are looked at (scripts/bench/pg-activity.mjs); 0: never.
// Each look cost the bench ~1.1–1.4 ms of CPU and Postgres ~0.3–0.4 ms on the development VM,
// so every 50 ms is ~3.5 % of one core (charged to the generator and to Postgres' "rest").
const activitySampleMs = Number(env.BENCH_ACTIVITY_SAMPLE_MS ?? 50);
// PROCESSES=combined: each service's api and worker in one process (scripts/stack.mjs)
const processes = env.PROCESSES ?? 'split';
const mode = `${processes === 'combined' ? 'one process per service, ' : ''}${settings.idle > 0 ? `${settings.idle} orders one at a time` : settings.rate > 0 ? `${settings.rate} orders/s for ${settings.seconds} s` : `flat out, ${settings.concurrency} in flight, ${settings.seconds} s`}${settings.warmUpSeconds > 0 ? `, after ${settings.warmUpSeconds} s of warm-up` : ''}`;
const run = randomBytes(3).toString('hex');
const namespace = `bench${run}`;
const out = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const clock = () => performance.now();
const pgBase = env.DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
const natsUrl = env.NATS_URL ?? '127.0.0.1:4222';
const root = fileURLToPath(new URL('..', import.meta.url));
const database = Object.fromEntries(services.map((s) => [s.dir, `${s.name}_bench_${run}`]));
const INITIAL_STOCK = 1_000_000_000;
const queries = Object.fromEntries(services.map((s) => [s.name, (sql, params) => queryDb(pgBase, database[s.dir], sql, params)]));

/** Prints, and answers for the JSON, the backend time per order of each service's Postgres connections, by what it was spent on. */
function activityPerOrder({ everyMs, samples, ms, failure }, orders) {
  if (failure) out(`Postgres backends' time per order: sampling pg_stat_activity failed after ${samples} samples (${failure.message}); the figures below cover only those`);
  const perOrder = Object.fromEntries(Object.entries(ms).map(([service, kinds]) => [service, Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, orders ? v / orders : NaN]))]));
  out(`Postgres backends' time per order, in ms, by what it went to (pg_stat_activity every ${everyMs} ms, ${int(samples)} samples; "waiting for its service": a transaction open while its service works or waits between statements):`);
  out(`  ${'database of'.padEnd(12)}${ACTIVITY_KINDS.map((k) => k.padStart(k.length + 2)).join('')}  open in all`);
  for (const [service, kinds] of Object.entries(perOrder)) {
    const open = Object.values(kinds).reduce((a, b) => a + b, 0);
    out(`  ${service.padEnd(12)}${ACTIVITY_KINDS.map((k) => kinds[k].toFixed(2).padStart(k.length + 2)).join('')}  ${open.toFixed(2).padStart(11)}`);
  }
  return { everyMs, samples, msPerOrder: perOrder, ...(failure ? { failure: failure.message } : {}) };
}

const nc = await connect({ servers: natsUrl });
const admin = new pg.Client({ connectionString: `${pgBase}/postgres` });
await admin.connect();
const queryDir = mkdtempSync(join(tmpdir(), `bench-${run}-`));
const { measuredProcesses, snapshot } = meter({ admin, nc, natsUrl, namespace, database, queryDir, clock });
let stack;
let sink;
let invariants = [];
let code = 0;
try {
  out(`bench run ${run}: ${mode}`);
  out(`measuring the raw ceilings (Postgres ${settings.rawPostgresSeconds} s, JetStream ${settings.rawJetStreamMessages.toLocaleString('en-US')} publishes) …`);
  const measureCeilings = async (suffix) => ({
    postgres: await rawPostgresRate(pgBase, { database: `bench_raw_${run}${suffix}`, durationMs: settings.rawPostgresSeconds * 1000 }),
    jetstream: await rawJetStreamRate(nc, { stream: `${namespace}_RAW${suffix.toUpperCase()}`, subject: `${namespace}.bench.raw`, count: settings.rawJetStreamMessages }),
  });
  const ceilings = await measureCeilings('');
  out(`raw ceilings: Postgres ${int(ceilings.postgres.txPerSecond)} single-row insert tx/s (${ceilings.postgres.clients} connections); JetStream ${int(ceilings.jetstream.publishesPerSecond)} pipelined publishes/s (${ceilings.jetstream.window} in flight, ${ceilings.jetstream.bytes} B)`);

  writeFileSync('.bench.log', '');
  out('starting the system (logs in .bench.log) …');
  sink = await startSink();
  // free ports, so that benches running side by side never load each other's system
  const ports = new Map();
  for (const s of [...services, ...peers]) ports.set(s.name, { port: await freePort(), metricsPort: await freePort() });
  stack = await startStack({
    processes,
    env: {
      NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn',
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CUSTOMER_DIRECTORY_URL: `http://127.0.0.1:${ports.get('directory').port}`,
      NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --import=${new URL('./bench/query-counter.mjs', import.meta.url).href}`.trim(),
      BENCH_QUERY_COUNT_DIR: queryDir,
    },
    // BENCH_CPU_PROF=<dir>: a V8 CPU profile of every api and worker, written there when they stop
    nodeArgs: env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${env.BENCH_CPU_PROF}`] : [],
    adminUrl: `${pgBase}/postgres`,
    database: (dir) => database[dir],
    port: (s) => ports.get(s.name).port,
    metricsPort: (s) => ports.get(s.name).metricsPort,
    output: (line) => appendFileSync('.bench.log', `${line.replace(/\x1b\[[0-9;]*m/g, '')}\n`),
  });
  await stack.ready();
  const exited = () => stack.children.filter(({ child }) => child.exitCode !== null || child.signalCode !== null).map(({ name }) => name);
  const measured = await measuredProcesses(stack, sink);

  // Orders are placed by staff for one bench customer: a customer's own budget
  // (RATE_LIMIT_WRITES_PER_MINUTE) is sized for a person, the admin class for tools like this one.
  const staff = await issueToken(env.JWT_SECRET, { sub: 'bench-staff', roles: ['admin'] });
  const customerId = `bench-${run}`;
  const payment = jsonClient(stack.urls.payment, { token: staff, maxSockets: settings.concurrency });
  const orders = jsonClient(stack.urls.order, { token: staff, maxSockets: settings.concurrency });
  const stock = jsonClient(stack.urls.stock, { token: staff, maxSockets: 1 });
  // 20 products, so orders do not all queue on one product row's lock
  const skus = Array.from({ length: 20 }, (_, i) => `BENCH-${run}-${i}`.toUpperCase());
  for (const sku of skus) {
    const created = await stock.post('/products', { sku, name: 'Bench kettle', price: { amount: 1000, currency: 'EUR' }, onHand: INITIAL_STOCK });
    if (created.status !== 201) throw new Error(`could not create a bench product: ${JSON.stringify(created.body)}`);
  }
  const cardBody = JSON.stringify({ type: 'card', token: 'tok_ok', customerId });
  const orderBody = (i, cardId) => `{"customerId":"${customerId}","items":[{"sku":"${skus[i % skus.length]}","quantity":1}],"payment":{"method":"card","paymentMethodId":"${cardId}"}}`;

  const ends = completions(clock);
  nc.subscribe(`${namespace}.orders.confirmed`, { callback: (_e, msg) => ends.finished('confirmed', msg.headers?.get('ce-subject')) });
  nc.subscribe(`${namespace}.orders.cancelled`, { callback: (_e, msg) => ends.finished('cancelled', msg.headers?.get('ce-subject')) });
  await nc.flush();

  const placer = orderPlacer({ clock, payment, orders, ends, cardBody, orderBody });
  const { placeOrder, placedAt, refusals } = placer;
  // the catalog reaches order-service through stock.product-changed: retry until it has
  for (let i = 0; !(await placeOrder(clock())); i++) {
    if (i > 100) throw new Error('the products never reached order-service');
    await sleep(200);
  }
  while (ends.open > 0) await sleep(20);
  if (settings.warmUpSeconds > 0) {
    // A run at a fixed rate warms up at that rate: it then starts as a system that has been
    // running at that rate would, not as one just out of a burst (whose heaps the first minutes
    // of a soak would see shrink back, counted as the run's own drift). Flat out, it warms up
    // with the run's orders in flight; before orders one at a time, with 16.
    const warmUpRate = settings.rate > 0 ? settings.rate : 0;
    out(`warming up: ${settings.warmUpSeconds} s ${warmUpRate > 0 ? `at ${warmUpRate} orders/s` : 'flat out'} (BENCH_WARMUP_SECONDS), not counted …`);
    await drive({ clock, seconds: settings.warmUpSeconds, rate: warmUpRate, concurrency: settings.idle > 0 ? 16 : settings.concurrency, placeOrder, waitFor: (id) => ends.waitFor(id) });
    // the warm-up's follow-ups (stock committed, mails sent, analytics' backlog) are not the run's
    const quiet = await waitQuiet({ q: queries, nc, namespace, timeoutMs: 120_000, mailCount: () => sink.count() });
    if (!quiet.ok) throw new Error(`the system did not settle after the warm-up: ${quiet.detail}`);
    // and its dead rows are vacuumed now, not by autovacuum during the run, counted as the run's
    for (const query of Object.values(queries)) await query('vacuum analyze');
  }
  ends.results.length = 0;
  placedAt.length = 0;
  const probes = placer.accepted;

  await sleep(1200); // Postgres backends flush their statistics at most once a second
  const before = await snapshot(measured);
  const t0 = before.at;
  const activity = activitySampleMs > 0 && sampleActivity({ url: `${pgBase}/postgres`, databases: Object.fromEntries(services.map((s) => [database[s.dir], s.name])), everyMs: activitySampleMs, clock });
  const rss = [];
  const backendsSeen = new Map(); // Postgres backends as last seen, for those that end before the run does
  const sampler = setInterval(() => {
    rss.push({ t: (clock() - t0) / 1000, kb: Object.fromEntries(measured.nodes.map((p) => [p.name, rssKb(p.pid)])) });
    for (const [pid, child] of (measured.postmaster && postgresSnapshot(measured.postmaster)?.children) || []) backendsSeen.set(pid, child);
  }, 1000);
  const progress = () => {
    const elapsed = (clock() - t0) / 1000;
    const total = settings.idle ? settings.idle : settings.seconds;
    const done = settings.idle ? placer.accepted - probes : elapsed;
    const fill = Math.min(30, Math.round((done / total) * 30));
    process.stdout.write(`${process.stdout.isTTY ? '\r' : ''}[${'#'.repeat(fill)}${'-'.repeat(30 - fill)}] ${elapsed.toFixed(1)}s  placed ${placer.accepted - probes}  ended ${ends.results.length}  in flight ${ends.open}   ${process.stdout.isTTY ? '' : '\n'}`);
  };
  const ticker = setInterval(progress, process.stdout.isTTY ? 250 : 5000);
  const driven = await drive({ clock, ...settings, sequential: settings.idle, placeOrder, waitFor: (id) => ends.waitFor(id) });
  const drainDeadline = clock() + 120_000;
  while (ends.open > 0 && clock() < drainDeadline) await sleep(50);
  const endedAt = clock();
  if (exited().length) throw new Error(`${exited().join(', ')} exited during the run`);
  clearInterval(ticker);
  progress();
  out();
  // The last orders' follow-ups (stock committed, mails sent, analytics' backlog) belong to their
  // cost, and the invariants are checked on a stopped system: wait until nothing is left to do.
  // (Counting the sink's mails against the run's orders was not enough: the warm-up's mails are
  // in the count, so a notification-service still behind passed it and its mails never came.)
  const quietAfter = await waitQuiet({ q: queries, nc, namespace, timeoutMs: 120_000, mailCount: () => sink.count() });
  if (!quietAfter.ok) out(`the system did not settle within 120 s after the run: ${quietAfter.detail}`);
  await sleep(1200);
  const after = await snapshot(measured);
  clearInterval(sampler);
  const backendTime = activity && (await activity.stop());
  // The host's speed drifts with its other tenants, by 1.5× within minutes on a shared VM: the
  // same ceilings again, the system stopped, say how much it moved during this run.
  await stack.stop();
  const ceilingsAfter = await measureCeilings('_after');

  const results = ends.results;
  const figures = report({ settings, mode, run, database, out, clock }, { backendsSeen, before, after, t0, endedAt, driven, results, accepted: placer.accepted - probes, refused: placer.refused, refusals: Object.fromEntries(refusals), unfinished: ends.open, placedAt, rss, ceilings, ceilingsAfter, measured });

  const epoch = (t) => performance.timeOrigin + t;
  const confirmedOrders = results.filter((r) => r.kind === 'confirmed').map((r) => ({ id: r.id, postedAt: epoch(r.orderPostedAt), endedAt: epoch(r.at) }));
  if (backendTime) figures.postgresActivity = activityPerOrder(backendTime, results.length);
  figures.hops = await hopBreakdown({ nc, namespace, orders: confirmedOrders, q: queries });
  if (figures.hops.length) {
    out(`where an order's time goes (ms, p50 / p90 of ${figures.hops[0].n} confirmed orders; "took" is the start of the batch's transaction):`);
    for (const h of figures.hops) out(`  ${h.hop.padEnd(66)} ${h.p50.toFixed(1).padStart(7)} / ${h.p90.toFixed(1).padStart(7)}`);
  }
  invariants = await checkInvariants({ q: queries, initial: Object.fromEntries(skus.map((s) => [s, INITIAL_STOCK])), accepted: placer.accepted, unfinished: ends.open, mailed: () => sink.count() });
  figures.invariants = invariants;
  const file = join(root, 'bench-results', `${new Date().toISOString().replace(/[:.]/g, '-')}-${run}`);
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(`${file}.json`, `${JSON.stringify(figures, null, 2)}\n`);
  writeFileSync(`${file}.svg`, runChart({ title: `make bench ${run}: ${mode}; ${int(figures.ordersPerSecond)} orders/s, p99 ${figures.latencyMs.p99.toFixed(0)} ms`, seconds: Math.ceil((endedAt - t0) / 1000), perSecond: figures.perSecond, rssSeries: figures.rssSeries }));
  out(`figures: ${file.slice(root.length)}.json, chart: ${file.slice(root.length)}.svg`);
  code = invariants.every((i) => i.ok) ? 0 : 1;
  payment.close();
  orders.close();
  stock.close();
} catch (error) {
  out(`\nbench failed: ${error.stack ?? error.message} (see .bench.log)`);
  code = 1;
} finally {
  await stack?.stop();
  sink?.close();
  await cleanUp({ nc, admin, namespace, database, queryDir, out });
}
if (invariants.length) {
  out('invariants (docs/architecture.md "Invariants"):');
  for (const i of invariants) out(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}: ${i.detail}`);
}
process.exit(code);
