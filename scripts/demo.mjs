#!/usr/bin/env node
// make demo: starts the system on its own ports, databases and NATS namespace, seeds a few
// products, places orders that take every path of the saga, waits for each to end, and prints
// a table of outcomes (order, payment and stock) and the notifications sent to whom (through a
// local SMTP sink). Then it checks that no card token is left in any stream, table or log line
// (exit 1 if one is), and stops and removes everything.
import { randomBytes } from 'node:crypto';
import { writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { issueToken, listDeadLetters, Topology } from '@order-platform/shared';
import { connectPg, scanForCardTokens, waitUntilNoCardHeld } from './card-token-scan.mjs';
import { startMailSink } from './mail-sink.mjs';
import { consoleApp, peers, services, startStack } from './stack.mjs';

const run = randomBytes(3).toString('hex');
const namespace = `demo${run}`;
const logFile = process.env.DEMO_LOG ?? '.demo.log';
const out = (line = '') => process.stdout.write(`${line}\n`);
const base = process.env.DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
// databases of this run only, dropped at the end: what the token check reads is this run's
const dbName = Object.fromEntries(services.map((s) => [s.dir, `${s.name === 'notify' ? 'notification' : s.name}_demo_${run}`]));
const databaseUrls = Object.fromEntries(Object.entries(dbName).map(([dir, name]) => [dir, `${base}/${name}`]));

// the demo's ports are fixed: a second demo would talk to the first one's services
const ports = [...services, ...peers, consoleApp].map((s) => s.port + 1000).concat(services.map((s) => s.metricsPort + 1000));
const isBusy = (port) => new Promise((resolve) => {
  const server = createServer().once('error', () => resolve(true)).listen(port, () => server.close(() => resolve(false)));
});
const busy = [];
for (const port of ports) if (await isBusy(port)) busy.push(port);
if (busy.length) {
  out(`ports ${busy.join(', ')} are in use: is another demo running? try again when it is done`);
  process.exit(75);
}
writeFileSync(logFile, '');

out(`demo run ${run}: starting the system (logs in ${logFile}) …`);
const mails = [];
const sink = await startMailSink({ port: 0, onMail: (mail) => mails.push(mail) });
const stack = await startStack({
  env: {
    NATS_NAMESPACE: namespace, LOG_LEVEL: 'info', RETRY_BASE_DELAY_MS: '200', RETRY_MAX_DELAY_MS: '2000',
    // the gateway-unavailable order gives up after 6 s of retries, not the default 30 s, so the
    // demo does not sit idle waiting for it (yours, when PAYMENT_CHARGE_BUDGET_MS is set)
    PAYMENT_CHARGE_BUDGET_MS: process.env.PAYMENT_CHARGE_BUDGET_MS ?? '6000',
    // a handful of orders: small pools, so the demo fits on a Postgres other work shares
    DB_POOL_MAX: '4', DB_AUTOCOMMIT_POOL_MAX: '2',
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CUSTOMER_DIRECTORY_URL: 'http://127.0.0.1:4005', STAFF_EMAIL: 'staff@shop.example',
  },
  adminUrl: `${base}/postgres`,
  database: (dir) => dbName[dir],
  port: (s) => s.port + 1000,
  metricsPort: (s) => s.metricsPort + 1000,
  console: true,
  output: (line) => appendFileSync(logFile, `${line.replace(/\x1b\[[0-9;]*m/g, '')}\n`),
});
const { order: orders, stock, payment } = stack.urls;

// staff manage the catalog and read payments; each customer places and cancels their own orders
const tokens = new Map();
const tokenOf = async (sub, role) => tokens.get(sub) ?? tokens.set(sub, await issueToken(process.env.JWT_SECRET, { sub, roles: [role] })).get(sub);
const admin = () => tokenOf('demo-staff', 'admin');
async function call(method, url, body, token) {
  const headers = { authorization: `Bearer ${await (token ?? admin())}`, ...(body ? { 'content-type': 'application/json' } : {}) };
  const response = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
const terminal = (id) => until(async () => {
  const { body } = await call('GET', `${orders}/orders/${id}`);
  return ['confirmed', 'cancelled'].includes(body.status) ? body : undefined;
}, `order ${id} to finish`);

let code = 0;
const nc = await connect({ servers: process.env.NATS_URL ?? '127.0.0.1:4222' });
try {
  await stack.ready();
  out(`operator console: ${stack.urls.console} while the demo runs (sign in with: make -s token SUB=staff-1 ROLE=admin)`);
  const sku = (name) => `${name}-${run}`.toUpperCase();
  // the kettle's threshold is high so that the demo's orders take it below: staff get an alert
  for (const [name, onHand, threshold] of [['kettle', 50, 45], ['teapot', 1, 0]]) {
    const r = await call('POST', `${stock}/products`, { sku: sku(name), name, price: { amount: name === 'kettle' ? 2599 : 4500, currency: 'EUR' }, onHand, lowStockThreshold: threshold });
    if (r.status !== 201) throw new Error(`could not create ${name}: ${JSON.stringify(r.body)}`);
  }
  // a client hands its card to payment-service only; the order names the payment method
  const registerCard = async (card, customer) => {
    const r = await call('POST', `${payment}/payment-methods`, { type: 'card', token: card }, customer);
    if (r.status !== 201) throw new Error(`could not register a card: ${JSON.stringify(r.body)}`);
    return { method: 'card', paymentMethodId: r.body.id };
  };
  const probe = await tokenOf('probe', 'customer');
  const probeCard = await registerCard('tok_ok', probe);
  const probeOrder = await until(async () => {
    const r = await call('POST', `${orders}/orders`, { items: [{ sku: sku('kettle'), quantity: 1 }], payment: probeCard }, probe);
    return r.status === 202 ? r.body : undefined;
  }, 'the catalog to reach order-service');

  // customers the stub directory knows by name
  const customers = ['cust-ada', 'cust-grace', 'cust-alan', 'cust-katherine', 'cust-ada', 'cust-grace', 'cust-alan'];
  let placedCount = 0;
  const place = async (card, items) => {
    const customer = await tokenOf(customers[placedCount++ % customers.length], 'customer');
    const paidWith = await registerCard(card, customer);
    return { ...(await call('POST', `${orders}/orders`, { items, payment: paidWith }, customer)).body, customer };
  };
  const kettle = (quantity = 1) => [{ sku: sku('kettle'), quantity }];
  const paths = [
    { path: 'happy', expect: 'confirmed', mails: 1, start: () => place('tok_ok', kettle(2)) },
    { path: 'out of stock', expect: 'cancelled/out_of_stock', mails: 1, start: () => place('tok_ok', [{ sku: sku('teapot'), quantity: 5 }]) },
    { path: 'declined', expect: 'cancelled/payment_declined', mails: 1, start: () => place('tok_declined', kettle()) },
    { path: 'flaky, then confirmed', expect: 'confirmed', mails: 1, start: () => place('tok_flaky', kettle()) },
    { path: 'gateway unavailable', expect: 'cancelled/payment_unavailable', mails: 1, start: () => place('tok_unavailable', kettle()) },
    {
      path: 'cancelled while pending', expect: 'cancelled/customer_request', mails: 1,
      start: async () => { const o = await place('tok_ok', kettle()); await call('POST', `${orders}/orders/${o.id}/cancel`, undefined, o.customer); return o; },
    },
    {
      // confirmed, then cancelled, then refunded: three mails
      path: 'cancelled after confirmed', expect: 'cancelled/customer_request', mails: 3,
      start: async () => { const o = await place('tok_ok', kettle(3)); await terminal(o.id); await call('POST', `${orders}/orders/${o.id}/cancel`, undefined, o.customer); return o; },
    },
  ];
  const placed = [];
  for (const p of paths) placed.push({ ...p, order: await p.start() }); // in order, so each path has its customer
  const rows = [];
  for (const p of placed) {
    const final = await terminal(p.order.id);
    const outcome = final.cancellationReason ? `${final.status}/${final.cancellationReason}` : final.status;
    const payments = await until(async () => {
      const { body } = await call('GET', `${payment}/payments?orderId=${p.order.id}`);
      const settled = body?.[0] && !(final.status === 'cancelled' && body[0].status === 'captured') && body[0].status !== 'pending';
      return settled || final.cancellationReason === 'out_of_stock' ? body ?? [] : undefined;
    }, `payment of ${p.order.id} to settle`, 30_000).catch(() => []);
    // A cancel races the saga: when the charge got in first, the money comes back as a refund,
    // and the customer is told so in one more mail (one per refund, never a second cancellation);
    // when the whole saga got in first, the order was confirmed, and mailed so, before it was cancelled
    const racing = p.path === 'cancelled while pending';
    const confirmedFirst = racing && (await call('GET', `${orders}/orders/${p.order.id}/events`, undefined, p.order.customer)).body?.some?.((e) => e.to === 'confirmed');
    const expectedMails = p.mails + (racing && payments[0]?.status === 'refunded' ? 1 : 0) + (confirmedFirst ? 1 : 0);
    const sent = await until(() => {
      const found = mails.filter((m) => m.subject.includes(p.order.id));
      return found.length >= expectedMails ? found : undefined;
    }, `${expectedMails} mail(s) about ${p.order.id}`, 30_000).catch(() => mails.filter((m) => m.subject.includes(p.order.id)));
    rows.push({
      path: p.path, order: p.order.id.slice(0, 8), total: (final.total.amount / 100).toFixed(2), outcome, expected: p.expect,
      payment: payments[0] ? `${payments[0].status} (${payments[0].attempts} attempts)` : '-', mails: sent.length,
      ok: outcome === p.expect && sent.length === expectedMails ? 'yes' : 'NO', sent,
    });
  }
  await sleep(1000);
  const figures = [];
  for (const name of ['kettle', 'teapot']) {
    const { body } = await call('GET', `${stock}/products/${sku(name)}`);
    figures.push(`${body.sku}: onHand ${body.onHand}, available ${body.available}, reserved ${body.reserved}, sold ${body.sold}`);
  }
  const head = ['path', 'order', 'total', 'outcome', 'expected', 'payment', 'mails', 'ok'];
  const widths = head.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
  out();
  for (const row of [Object.fromEntries(head.map((h) => [h, h])), ...rows]) out(head.map((h, i) => String(row[h]).padEnd(widths[i])).join('  '));
  out();
  for (const line of figures) out(line);
  out();
  out('notifications (what was sent to whom):');
  for (const row of rows) for (const m of row.sent) out(`  ${row.path.padEnd(widths[0])}  ${m.to.join(', ')}: ${m.subject}`);
  await until(() => mails.some((m) => m.to.includes('staff@shop.example')), 'the low-stock alert', 10_000).catch(() => undefined);
  for (const m of mails.filter((m) => m.to.includes('staff@shop.example'))) out(`  ${'(staff)'.padEnd(widths[0])}  ${m.to.join(', ')}: ${m.subject}`);
  const letters = await listDeadLetters(nc, new Topology(namespace));
  out(`dead letters: ${letters.length}${letters.map((d) => `\n  #${d.seq} ${d.consumer} ${d.eventType} ${d.subject.slice(0, 8)} after ${d.deliveryCount} deliveries: ${d.error}`).join('')}`);
  const dead = rows.filter((r) => r.ok !== 'yes');
  out(dead.length ? `${dead.length} path(s) did not end as expected` : 'every path ended as expected');
  await terminal(probeOrder.id);
  await waitUntilNoCardHeld(databaseUrls['payment-service']);
  const scan = await scanForCardTokens({ nc, topology: new Topology(namespace), databaseUrls, logFile });
  out(`card tokens found: ${scan.found.length} (streams ${scan.streams} messages, outbox ${scan.outbox} rows, other tables ${scan.tables} rows, log ${scan.log} lines)`);
  for (const place of scan.found.slice(0, 20)) out(`  ${place}`);
  code = dead.length || scan.found.length ? 1 : 0;
} catch (error) {
  out(`demo failed: ${error.message} (see ${logFile})`);
  code = 1;
} finally {
  await stack.stop();
  await sink.close();
  const jsm = await jetstreamManager(nc);
  for await (const name of jsm.streams.names()) if (name.startsWith(`${namespace}_`)) await jsm.streams.delete(name);
  await nc.close();
  try {
    const admin = await connectPg(`${base}/postgres`);
    try {
      for (const name of Object.values(dbName)) {
        await admin.query(`drop database if exists "${name}" with (force)`);
        // the run's own roles (make dev keeps its databases, and their roles, from run to run)
        for (const role of ['owner', 'app']) await admin.query(`drop role if exists "${name}_${role}"`);
      }
    } finally {
      await admin.end();
    }
  } catch (error) {
    out(`could not drop the demo's databases ${Object.values(dbName).join(', ')}: ${error.message}`);
  }
}
process.exit(code);
