#!/usr/bin/env node
// make bench: a load generator for the whole saga. Starts its own copy of the system (its own
// ports, databases and NATS namespace) unless BENCH_ORDER_URL / BENCH_STOCK_URL /
// BENCH_PAYMENT_URL point at a running one, places tok_ok orders flat out (BENCH_CONCURRENCY in
// flight) or at BENCH_RATE orders/s for BENCH_SECONDS, and reports orders/s reaching a terminal
// state and the latency from the first POST to orders.confirmed, next to the raw Postgres
// transaction rate measured in the same run (single-row insert transactions, as pgbench's
// simplest script). Each order is two requests, as a client makes them: the card to
// payment-service (POST /payment-methods), then the order naming it (POST /orders).
import { randomBytes } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startMailSink } from './mail-sink.mjs';
import { startStack, waitReady } from './stack.mjs';
import { issueToken } from '@order-platform/shared';

const env = process.env;
const seconds = Number(env.BENCH_SECONDS ?? 20);
const rate = Number(env.BENCH_RATE ?? 0);
const concurrency = Number(env.BENCH_CONCURRENCY ?? 16);
const run = randomBytes(3).toString('hex');
const out = (line = '') => process.stdout.write(`${line}\n`);
const pgBase = env.DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
const natsUrl = env.NATS_URL ?? '127.0.0.1:4222';

async function rawPostgresRate(durationMs = 5000, clients = 8) {
  const admin = new pg.Client({ connectionString: `${pgBase}/postgres` });
  await admin.connect();
  await admin.query('drop database if exists bench_raw');
  await admin.query('create database bench_raw');
  const pool = new pg.Pool({ connectionString: `${pgBase}/bench_raw`, max: clients });
  await pool.query('create table t (id bigserial primary key, payload text not null, at timestamptz not null default now())');
  let count = 0;
  const until = Date.now() + durationMs;
  await Promise.all(Array.from({ length: clients }, async () => {
    const c = await pool.connect();
    while (Date.now() < until) {
      await c.query('insert into t (payload) values ($1)', ['x'.repeat(200)]);
      count++;
    }
    c.release();
  }));
  await pool.end();
  await admin.query('drop database bench_raw');
  await admin.end();
  return count / (durationMs / 1000);
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function post(url, body, token) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

const own = !env.BENCH_ORDER_URL;
const namespace = own ? `bench${run}` : (env.NATS_NAMESPACE ?? '');
let stack;
let urls = { order: env.BENCH_ORDER_URL, stock: env.BENCH_STOCK_URL ?? 'http://127.0.0.1:3002', payment: env.BENCH_PAYMENT_URL ?? 'http://127.0.0.1:3003' };
const nc = await connect({ servers: natsUrl });
let code = 0;
let sink;
let mailed = 0;
try {
  out(`bench run ${run}: measuring raw Postgres transactions (5 s) …`);
  const pgRate = await rawPostgresRate();
  out(`raw Postgres single-row insert transactions: ${Math.round(pgRate).toLocaleString('en-US')} tx/s (8 connections)`);
  if (own) {
    writeFileSync('.bench.log', '');
    out('starting the system (logs in .bench.log) …');
    const dbs = { 'order-service': 'order_bench', 'stock-service': 'stock_bench', 'payment-service': 'payment_bench', 'notification-service': 'notification_bench' };
    // notification-service mails every confirmation, as in production: to a local sink that counts them
    sink = await startMailSink({ port: 0, onMail: () => void (mailed += 1) });
    stack = await startStack({
      env: {
        NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn', CONSUMER_CONCURRENCY: env.CONSUMER_CONCURRENCY ?? '32',
        SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CUSTOMER_DIRECTORY_URL: 'http://127.0.0.1:5005',
      },
      adminUrl: `${pgBase}/postgres`,
      database: (dir) => dbs[dir],
      port: (s) => s.port + 2000,
      metricsPort: (s) => s.metricsPort + 2000,
      output: (line) => appendFileSync('.bench.log', `${line.replace(/\x1b\[[0-9;]*m/g, '')}\n`),
    });
    urls = stack.urls;
    await waitReady(urls);
  }
  const staff = await issueToken(env.JWT_SECRET, { sub: 'bench-staff', roles: ['admin'] });
  // Orders are placed by staff for one bench customer: a customer's own budget (RATE_LIMIT_WRITES_PER_MINUTE)
  // is sized for a person, the admin class (RATE_LIMIT_ADMIN_PER_MINUTE) for tools like this one.
  const customerId = `bench-${run}`;
  // 20 products, so orders do not all queue on one product row's lock
  const skus = Array.from({ length: 20 }, (_, i) => `BENCH-${run}-${i}`.toUpperCase());
  for (const sku of skus) {
    const created = await post(`${urls.stock}/products`, { sku, name: 'Bench kettle', price: { amount: 1000, currency: 'EUR' }, onHand: 1_000_000_000 }, staff);
    if (created.status !== 201) throw new Error(`could not create a bench product: ${JSON.stringify(created.body)}`);
  }
  // as staff naming the bench customer: one customer at 500 orders/s is far over a customer's budget
  const registerCard = () => post(`${urls.payment}/payment-methods`, { type: 'card', token: 'tok_ok', customerId }, staff);
  const orderBody = (i, card) => ({ customerId, items: [{ sku: skus[i % skus.length], quantity: 1 }], payment: { method: 'card', paymentMethodId: card.id } });
  const probeCard = await registerCard(); // a refused order leaves its payment method unused: one serves every probe
  if (probeCard.status !== 201) throw new Error(`could not register a card: ${JSON.stringify(probeCard.body)}`);
  for (let i = 0; (await post(`${urls.order}/orders`, orderBody(skus.length - 1, probeCard.body), staff)).status !== 202; i++) {
    if (i > 100) throw new Error('the product never reached order-service');
    await new Promise((r) => setTimeout(r, 200));
  }

  const started = new Map();
  const latencies = [];
  let confirmed = 0;
  let cancelled = 0;
  let placed = 0;
  let failed = 0;
  const prefix = namespace ? `${namespace}.` : '';
  const done = (kind) => (_err, msg) => {
    const orderId = msg.headers?.get('ce-subject');
    const t0 = started.get(orderId);
    if (t0 === undefined) return;
    started.delete(orderId);
    if (kind === 'confirmed') {
      confirmed++;
      latencies.push(performance.now() - t0);
    } else cancelled++;
  };
  nc.subscribe(`${prefix}orders.confirmed`, { callback: done('confirmed') });
  nc.subscribe(`${prefix}orders.cancelled`, { callback: done('cancelled') });
  await nc.flush();

  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const bar = () => {
    const elapsed = (performance.now() - t0) / 1000;
    const fill = Math.min(30, Math.round((elapsed / seconds) * 30));
    process.stdout.write(`\r[${'#'.repeat(fill)}${'-'.repeat(30 - fill)}] ${elapsed.toFixed(1)}s  placed ${placed}  finished ${confirmed + cancelled}  in flight ${started.size}   `);
  };
  const ticker = setInterval(bar, process.stdout.isTTY ? 250 : 5000);
  let next = 0;
  const place = async () => {
    const at = performance.now();
    const card = await registerCard();
    const r = card.status === 201 ? await post(`${urls.order}/orders`, orderBody(next++, card.body), staff) : card;
    if (r.status === 202) {
      started.set(r.body.id, at);
      placed++;
    } else failed++;
  };
  if (rate > 0) {
    const pending = [];
    for (let i = 0; performance.now() < deadline; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(place());
    }
    await Promise.all(pending);
  } else {
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) await place();
    }));
  }
  const placingSeconds = (performance.now() - t0) / 1000;
  const drainDeadline = performance.now() + 120_000;
  while (started.size > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 100));
  const totalSeconds = (performance.now() - t0) / 1000;
  clearInterval(ticker);
  bar();
  out();
  latencies.sort((a, b) => a - b);
  const ms = (v) => `${v.toFixed(0)} ms`;
  out(`orders placed: ${placed} in ${placingSeconds.toFixed(1)} s (${(placed / placingSeconds).toFixed(0)}/s${rate ? `, target ${rate}/s` : `, ${concurrency} in flight`})${failed ? `, ${failed} refused` : ''}`);
  out(`orders finished: ${confirmed} confirmed, ${cancelled} cancelled, ${started.size} unfinished, in ${totalSeconds.toFixed(1)} s -> ${((confirmed + cancelled) / totalSeconds).toFixed(0)} orders/s reached a terminal state`);
  out(`latency POST /payment-methods -> orders.confirmed: p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(latencies.at(-1) ?? NaN)}`);
  out(`each order is ~9 transactions across the services (its card registration included): ${(((confirmed + cancelled) * 9) / totalSeconds).toFixed(0)} tx/s against the raw ${Math.round(pgRate)} tx/s`);
  if (sink) out(`notification mails received by the SMTP sink by the end: ${mailed}`);
  code = started.size === 0 ? 0 : 1;
} catch (error) {
  out(`\nbench failed: ${error.message}`);
  code = 1;
} finally {
  await stack?.stop();
  await sink?.close();
  if (own) {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) if (name.startsWith(`${namespace}_`)) await jsm.streams.delete(name);
  }
  await nc.close();
}
process.exit(code);
