#!/usr/bin/env node
// make bench: loads the whole saga and reports what it cost. Starts its own copy of the system
// (free ports, databases and NATS namespace of the run, dropped at the end), places tok_ok
// orders flat out (BENCH_CONCURRENCY in flight), at BENCH_RATE orders/s (open loop), or
// BENCH_IDLE of them one at a time, and reports, for the same run:
// - orders/s reaching a terminal state, latency p50/p95/p99/max from the first POST to
//   orders.confirmed (seen on a NATS core subscription, never by polling);
// - the raw ceilings: single-row insert transactions/s of the same Postgres, pipelined JetStream
//   publishes/s of the same NATS;
// - per order: transactions (pg_stat_database of the run's databases), Postgres round trips
//   (scripts/bench/query-counter.mjs in each api and worker), JetStream messages, and CPU ms of
//   every process: each api and worker, the generator (this process), the SMTP sink, Postgres
//   (its backends per database, the rest apart) and nats-server;
// - RSS of each worker over the run;
// - docs/architecture.md "Invariants" checked at the end, as the last lines (exit 1 if one fails).
// Figures go to bench-results/<time>-<run>.json, the run over time to the .svg next to it.
// Each order is two requests, as a client makes them: the card to payment-service
// (POST /payment-methods), then the order naming it (POST /orders).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { issueToken } from '@order-platform/shared';
import { rawJetStreamRate, rawPostgresRate } from './bench/ceilings.mjs';
import { runChart } from './bench/chart.mjs';
import { checkInvariants } from './bench/invariants.mjs';
import { completions, drive, jsonClient } from './bench/load.mjs';
import { findNatsServer, machineCpu, postgresCpu, postgresSnapshot, rssKb, stat } from './bench/processes.mjs';
import { peers, services, startStack, waitReady } from './stack.mjs';

const env = process.env;
const settings = {
  seconds: Number(env.BENCH_SECONDS ?? 20),
  rate: Number(env.BENCH_RATE ?? 0),
  idle: Number(env.BENCH_IDLE ?? 0),
  // in flight flat out; the HTTP sockets per api otherwise
  concurrency: Number(env.BENCH_CONCURRENCY ?? (Number(env.BENCH_RATE ?? 0) > 0 ? 64 : 16)),
  rawPostgresSeconds: Number(env.BENCH_RAW_PG_SECONDS ?? 5),
  rawJetStreamMessages: Number(env.BENCH_RAW_JS_MESSAGES ?? 50_000),
};
const mode = settings.idle > 0 ? `${settings.idle} orders one at a time` : settings.rate > 0 ? `${settings.rate} orders/s for ${settings.seconds} s` : `flat out, ${settings.concurrency} in flight, ${settings.seconds} s`;
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

const nc = await connect({ servers: natsUrl });
const admin = new pg.Client({ connectionString: `${pgBase}/postgres` });
await admin.connect();
const queryDir = mkdtempSync(join(tmpdir(), `bench-${run}-`));
let stack;
let sink;
let invariants = [];
let code = 0;
try {
  out(`bench run ${run}: ${mode}`);
  out(`measuring the raw ceilings (Postgres ${settings.rawPostgresSeconds} s, JetStream ${settings.rawJetStreamMessages.toLocaleString('en-US')} publishes) …`);
  const ceilings = {
    postgres: await rawPostgresRate(pgBase, { database: `bench_raw_${run}`, durationMs: settings.rawPostgresSeconds * 1000 }),
    jetstream: await rawJetStreamRate(nc, { stream: `${namespace}_RAW`, subject: `${namespace}.bench.raw`, count: settings.rawJetStreamMessages }),
  };
  out(`raw ceilings: Postgres ${int(ceilings.postgres.txPerSecond)} single-row insert tx/s (${ceilings.postgres.clients} connections); JetStream ${int(ceilings.jetstream.publishesPerSecond)} pipelined publishes/s (${ceilings.jetstream.window} in flight, ${ceilings.jetstream.bytes} B)`);

  writeFileSync('.bench.log', '');
  out('starting the system (logs in .bench.log) …');
  sink = await startSink();
  // free ports, so that benches running side by side never load each other's system
  const ports = new Map();
  for (const s of [...services, ...peers]) ports.set(s.name, { port: await freePort(), metricsPort: await freePort() });
  stack = await startStack({
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
  await waitReady(stack.urls);
  const exited = () => stack.children.filter(({ child }) => child.exitCode !== null || child.signalCode !== null).map(({ name }) => name);
  if (exited().length) throw new Error(`${exited().join(', ')} exited at start`);
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

  let accepted = 0;
  let refused = 0;
  const placedAt = [];
  let next = 0;
  const refusals = new Map(); // why, and how often
  const placeOrder = async (at) => {
    let r;
    let orderPostedAt;
    try {
      const card = await payment.post('/payment-methods', cardBody);
      orderPostedAt = clock();
      r = card.status === 201 ? await orders.post('/orders', orderBody(next++, card.body.id)) : card;
    } catch (error) {
      r = { status: error.code ?? error.message };
    }
    if (r.status !== 202) {
      refused++;
      const why = `${r.status}${r.body?.title ? ` ${r.body.title}` : ''}`;
      refusals.set(why, (refusals.get(why) ?? 0) + 1);
      return undefined;
    }
    accepted++;
    placedAt.push(at);
    ends.track(r.body.id, at, orderPostedAt);
    return r.body.id;
  };
  // the catalog reaches order-service through stock.product-changed: retry until it has
  for (let i = 0; !(await placeOrder(clock())); i++) {
    if (i > 100) throw new Error('the products never reached order-service');
    await sleep(200);
  }
  while (ends.open > 0) await sleep(20);
  ends.results.length = 0;
  placedAt.length = 0;
  const probes = accepted;

  await sleep(1200); // Postgres backends flush their statistics at most once a second
  const before = await snapshot(measured);
  const t0 = before.at;
  const rss = [];
  const backendsSeen = new Map(); // Postgres backends as last seen, for those that end before the run does
  const sampler = setInterval(() => {
    rss.push({ t: (clock() - t0) / 1000, kb: Object.fromEntries(measured.nodes.map((p) => [p.name, rssKb(p.pid)])) });
    for (const [pid, child] of (measured.postmaster && postgresSnapshot(measured.postmaster)?.children) || []) backendsSeen.set(pid, child);
  }, 1000);
  const progress = () => {
    const elapsed = (clock() - t0) / 1000;
    const total = settings.idle ? settings.idle : settings.seconds;
    const done = settings.idle ? accepted - probes : elapsed;
    const fill = Math.min(30, Math.round((done / total) * 30));
    process.stdout.write(`${process.stdout.isTTY ? '\r' : ''}[${'#'.repeat(fill)}${'-'.repeat(30 - fill)}] ${elapsed.toFixed(1)}s  placed ${accepted - probes}  ended ${ends.results.length}  in flight ${ends.open}   ${process.stdout.isTTY ? '' : '\n'}`);
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
  // the last orders' follow-ups (stock committed, mails sent) belong to their cost
  for (const deadline = clock() + 30_000; (await sink.count()) < ends.results.length && clock() < deadline; ) await sleep(100);
  await sleep(1200);
  const after = await snapshot(measured);
  clearInterval(sampler);

  const results = ends.results;
  const figures = report({ backendsSeen, before, after, t0, endedAt, driven, results, accepted: accepted - probes, refused, refusals: Object.fromEntries(refusals), unfinished: ends.open, placedAt, rss, ceilings, measured });

  const qs = Object.fromEntries(services.map((s) => [s.name, (sql) => queryDb(database[s.dir], sql)]));
  invariants = await checkInvariants({ q: qs, initial: Object.fromEntries(skus.map((s) => [s, INITIAL_STOCK])), accepted, unfinished: ends.open, mailed: () => sink.count() });
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
  await cleanUp();
}
if (invariants.length) {
  out('invariants (docs/architecture.md "Invariants"):');
  for (const i of invariants) out(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}: ${i.detail}`);
}
process.exit(code);

function int(n) {
  return Math.round(n).toLocaleString('en-US');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** The SMTP sink in a process of its own (scripts/bench/mail-counter.mjs). */
async function startSink() {
  const child = fork(fileURLToPath(new URL('./bench/mail-counter.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (c) => reject(new Error(`the SMTP sink exited (${c})`)));
  });
  const counts = [];
  child.on('message', (m) => counts.shift()?.(m.count));
  return {
    port,
    pid: child.pid,
    count: () => new Promise((resolve) => {
      counts.push(resolve);
      child.send('count');
    }),
    close: () => child.kill(),
  };
}

/** Every process whose cost a run reports, with its pid where it runs on this machine. */
async function measuredProcesses(stack, sink) {
  const nodes = stack.children.filter(({ name }) => /-(api|worker)$/.test(name)).map(({ name, child }) => ({ name, pid: child.pid }));
  const others = [
    ...stack.children.filter(({ name }) => !/-(api|worker)$/.test(name)).map(({ name, child }) => ({ name: `${name} (stub)`, pid: child.pid })),
    { name: 'generator (bench)', pid: process.pid },
    { name: 'SMTP sink', pid: sink.pid },
  ];
  const nats = findNatsServer(natsUrl);
  if (nats) others.push({ name: 'nats-server', pid: nats });
  // the Postgres server: the parent of our own backend, when it runs on this machine
  const { rows: [{ pid: backend }] } = await admin.query('select pg_backend_pid() as pid');
  const isPostgres = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres');
    } catch {
      return false;
    }
  };
  const postmaster = isPostgres(backend) ? stat(backend)?.ppid : undefined;
  return { nodes, others, postmaster: postmaster && isPostgres(postmaster) ? postmaster : undefined, nats };
}

async function snapshot(measured) {
  // one round-trip count per api and worker, all read at once (query-counter.mjs writes on SIGUSR2)
  const readCount = (pid) => {
    try {
      return readFileSync(join(queryDir, String(pid)), 'utf8').split(' ').map(Number);
    } catch {
      return [0, 0];
    }
  };
  const seen = new Map(measured.nodes.map((p) => [p.pid, readCount(p.pid)[0]]));
  for (const p of measured.nodes) process.kill(p.pid, 'SIGUSR2');
  const queries = {};
  for (const p of measured.nodes) {
    for (let i = 0; readCount(p.pid)[0] === seen.get(p.pid) && i < 100; i++) await sleep(20);
    queries[p.name] = readCount(p.pid)[1];
  }
  const at = clock();
  const machine = machineCpu();
  const cpu = Object.fromEntries([...measured.nodes, ...measured.others].map((p) => [p.name, stat(p.pid)?.cpuMs ?? NaN]));
  const postgres = measured.postmaster ? postgresSnapshot(measured.postmaster) : undefined;
  const { rows } = await admin.query('select datname, xact_commit + xact_rollback as xacts from pg_stat_database where datname = any($1)', [Object.values(database)]);
  const xacts = Object.fromEntries(rows.map((r) => [r.datname, Number(r.xacts)]));
  const jsm = await jetstreamManager(nc);
  const streams = {};
  for await (const s of jsm.streams.list()) if (s.config.name.startsWith(`${namespace}_`)) streams[s.config.name.slice(namespace.length + 1)] = s.state.messages;
  return { at, machine, queries, cpu, postgres, xacts, streams };
}

function report({ backendsSeen, before, after, t0, endedAt, driven, results, accepted, refused, refusals, unfinished, placedAt, rss, ceilings, measured }) {
  const n = results.length;
  const seconds = (endedAt - t0) / 1000;
  const perOrder = (v) => (n ? v / n : NaN);
  const fixed = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const latencies = results.filter((r) => r.kind === 'confirmed').map((r) => r.latency).sort((a, b) => a - b);
  const fromOrderPost = results.filter((r) => r.kind === 'confirmed').map((r) => r.fromOrderPost).sort((a, b) => a - b);
  const latencyMs = { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN };
  const orderPostMs = { p50: percentile(fromOrderPost, 50), p95: percentile(fromOrderPost, 95), p99: percentile(fromOrderPost, 99), max: fromOrderPost.at(-1) ?? NaN };
  const confirmed = results.filter((r) => r.kind === 'confirmed').length;
  const ordersPerSecond = n / seconds;
  const ms = (v) => `${Number.isFinite(v) ? v.toFixed(v < 10 ? 1 : 0) : '-'} ms`;

  const placing = settings.idle ? `one at a time` : settings.rate ? `target ${settings.rate}/s${driven.late ? `; the generator fell behind: ${driven.late} orders started over 10 ms late, the latest by ${driven.lateMs.toFixed(0)} ms (counted in their latency)` : ', on time'}` : `${settings.concurrency} in flight`;
  out(`orders placed: ${accepted} in ${driven.seconds.toFixed(1)} s (${(accepted / driven.seconds).toFixed(0)}/s, ${placing})${refused ? `, ${refused} refused (${Object.entries(refusals).map(([why, k]) => `${k}× ${why}`).join(', ')})` : ''}`);
  out(`orders ended: ${confirmed} confirmed, ${n - confirmed} cancelled, ${unfinished} unfinished, in ${seconds.toFixed(1)} s -> ${ordersPerSecond.toFixed(0)} orders/s reached a terminal state`);
  out(`latency first POST -> orders.confirmed: p50 ${ms(latencyMs.p50)}, p95 ${ms(latencyMs.p95)}, p99 ${ms(latencyMs.p99)}, max ${ms(latencyMs.max)}${settings.rate ? ' (from when each order was due)' : ''}`);
  out(`latency POST /orders -> orders.confirmed: p50 ${ms(orderPostMs.p50)}, p95 ${ms(orderPostMs.p95)}, p99 ${ms(orderPostMs.p99)}, max ${ms(orderPostMs.max)}`);

  const name = Object.fromEntries(services.map((s) => [database[s.dir], s.name]));
  const txByService = Object.fromEntries(Object.keys(after.xacts).map((db) => [name[db], perOrder(after.xacts[db] - (before.xacts[db] ?? 0))]));
  const txPerOrder = Object.values(txByService).reduce((a, b) => a + b, 0);
  const roundTripsByProcess = Object.fromEntries(Object.keys(after.queries).map((p) => [p, perOrder(after.queries[p] - before.queries[p])]));
  const roundTripsPerOrder = Object.values(roundTripsByProcess).reduce((a, b) => a + b, 0);
  const messagesByStream = Object.fromEntries(Object.keys(after.streams).map((s) => [s, perOrder(after.streams[s] - (before.streams[s] ?? 0))]));
  const messagesPerOrder = Object.entries(messagesByStream).filter(([s]) => s !== 'DLQ').reduce((a, [, v]) => a + v, 0);
  const list = (o, d = 1) => Object.entries(o).map(([k, v]) => `${k} ${fixed(v, d)}`).join(', ');
  out(`per order: ${fixed(txPerOrder, 1)} Postgres transactions (${list(txByService)}), ${fixed(roundTripsPerOrder, 1)} round trips (${list(roundTripsByProcess)}), ${fixed(messagesPerOrder, 1)} JetStream messages (${list(messagesByStream)})`);
  const txRate = ordersPerSecond * txPerOrder;
  const msgRate = ordersPerSecond * messagesPerOrder;
  out(`against the raw ceilings: ${int(txRate)} tx/s of Postgres' ${int(ceilings.postgres.txPerSecond)} (${fixed((100 * txRate) / ceilings.postgres.txPerSecond, 0)} %), ${int(msgRate)} JetStream messages/s of its ${int(ceilings.jetstream.publishesPerSecond)} publishes/s (${fixed((100 * msgRate) / ceilings.jetstream.publishesPerSecond, 0)} %)`);

  const cpuMs = Object.fromEntries(Object.keys(after.cpu).map((p) => [p, perOrder(after.cpu[p] - before.cpu[p])]));
  if (before.postgres && after.postgres) {
    const pgCpu = postgresCpu(before.postgres, after.postgres, Object.keys(name), backendsSeen);
    cpuMs['postgres (all processes)'] = perOrder(pgCpu.total);
    // the rest: the postmaster, wal writer, checkpointer, autovacuum, backends that ended, other databases'
    for (const [db, v] of Object.entries(pgCpu.parts)) cpuMs[db === 'other' ? '  the rest (wal, vacuum, …)' : `  backends of ${name[db]}`] = perOrder(v);
  }
  const wallMs = after.at - before.at;
  const cores = Object.entries(cpuMs).filter(([k]) => !k.startsWith('  ')).reduce((a, [, v]) => a + (Number.isFinite(v) ? v : 0), 0) / perOrder(wallMs);
  const machine = { cores: cpus().length, busyCores: (after.machine.busyMs - before.machine.busyMs) / wallMs, measuredCores: cores };
  out(`CPU ms per order (${n} orders, ${(wallMs / 1000).toFixed(1)} s): the processes measured used ${cores.toFixed(2)} cores on average, the machine ${machine.busyCores.toFixed(2)} of its ${machine.cores}${machine.busyCores - cores > 0.25 ? ` (other work used ${(machine.busyCores - cores).toFixed(2)}: throughput and latency are understated)` : ''}`);
  for (const [p, v] of Object.entries(cpuMs)) out(`  ${p.padEnd(27)} ${fixed(v).padStart(6)}`);
  if (!measured.postmaster) out('  (postgres: not on this machine, not measured)');
  if (!measured.nats) out('  (nats-server: not found on this machine, not measured)');

  const warmUp = Math.min(60, seconds / 10);
  const memory = {};
  for (const p of measured.nodes) {
    const series = rss.map((s) => [s.t, s.kb[p.name]]).filter(([, kb]) => Number.isFinite(kb));
    const first = series.find(([t]) => t >= warmUp) ?? series[0];
    if (!first) continue;
    const last = series.at(-1);
    memory[p.name] = { firstMb: first[1] / 1024, firstAtSeconds: first[0], lastMb: last[1] / 1024, maxMb: Math.max(...series.map(([, kb]) => kb)) / 1024, driftPercent: (100 * (last[1] - first[1])) / first[1], samples: series.length };
  }
  out(`worker RSS MB over the run (first after a ${warmUp.toFixed(0)} s warm-up / last / max, drift last vs first):`);
  for (const [p, m] of Object.entries(memory).filter(([p]) => p.endsWith('-worker'))) out(`  ${p.padEnd(14)} ${m.firstMb.toFixed(0)} / ${m.lastMb.toFixed(0)} / ${m.maxMb.toFixed(0)}  ${m.driftPercent >= 0 ? '+' : ''}${m.driftPercent.toFixed(1)} %`);

  const workers = measured.nodes.filter((p) => p.name.endsWith('-worker')).map((p) => p.name);
  const rssSeries = rss.map((s) => ({ t: s.t, mb: Object.fromEntries(workers.map((w) => [w, s.kb[w] / 1024])) }));

  const perSecond = [];
  for (let second = 0; second < Math.ceil(seconds); second++) perSecond.push({ second, finished: 0, placed: 0, latencies: [] });
  for (const r of results) {
    const s = perSecond[Math.floor((r.at - t0) / 1000)];
    if (s) {
      s.finished++;
      if (r.kind === 'confirmed') s.latencies.push(r.latency);
    }
  }
  for (const at of placedAt) {
    const s = perSecond[Math.floor((at - t0) / 1000)];
    if (s) s.placed++;
  }
  for (const s of perSecond) {
    s.latencies.sort((a, b) => a - b);
    Object.assign(s, { p50: s.latencies.length ? percentile(s.latencies, 50) : null, p99: s.latencies.length ? percentile(s.latencies, 99) : null });
    delete s.latencies;
  }
  return {
    run, mode, settings, startedAt: new Date(Date.now() - (clock() - t0)).toISOString(), ceilings,
    orders: { accepted, refused, refusals, confirmed, cancelled: n - confirmed, unfinished, seconds, lateStarts: driven.late, latestStartMs: driven.lateMs },
    ordersPerSecond, latencyMs, orderPostLatencyMs: orderPostMs,
    perOrder: { transactions: txPerOrder, transactionsByService: txByService, roundTrips: roundTripsPerOrder, roundTripsByProcess, jetStreamMessages: messagesPerOrder, jetStreamMessagesByStream: messagesByStream, cpuMs: Object.fromEntries(Object.entries(cpuMs).map(([k, v]) => [k.trim(), v])) },
    machine, rssMb: memory, perSecond, rssSeries,
  };
}

async function queryDb(name, sql) {
  const client = new pg.Client({ connectionString: `${pgBase}/${name}` });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The run's streams, databases and roles, and the round-trip counts. */
async function cleanUp() {
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) if (name.startsWith(`${namespace}_`)) await jsm.streams.delete(name);
    await nc.close();
    for (const name of Object.values(database)) {
      await admin.query(`drop database if exists "${name}" with (force)`);
      for (const role of ['owner', 'app']) await admin.query(`drop role if exists "${name}_${role}"`);
    }
    await admin.end();
  } catch (error) {
    out(`could not remove the run's streams or databases (${Object.values(database).join(', ')}): ${error.message}`);
  }
  rmSync(queryDir, { recursive: true, force: true });
}
