#!/usr/bin/env node
// make dev-docker-check: `make dev`'s Docker path for real. Points DATABASE_ADMIN_URL and NATS_URL
// at loopback ports where nothing listens, so make dev must start its own Postgres and NATS in
// Docker; places an order as the README does and waits for it to be confirmed; stops make dev as
// Ctrl-C does; runs make dev-down; then checks that no container, volume, network or process of
// it is left. Skipped (exit 0, says so) when no Docker daemon answers. Not part of make test: the
// first run builds images for minutes.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { issueToken } from '@order-platform/shared';
import { devLabel, removeOwnInfra } from './dev-infra.mjs';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line) => process.stdout.write(`dev-docker-check: ${line}\n`);
const fail = (why) => {
  say(`FAILED: ${why}`);
  process.exit(1);
};

if (!(await run('docker', ['info']).then(() => true, () => false))) {
  say('skipped: no Docker daemon answers (docker info fails)');
  process.exit(0);
}
const labelled = async () => {
  const q = async (...args) => (await run('docker', [...args, '-q', '--filter', `label=${devLabel}`])).stdout.split('\n').filter(Boolean);
  return [...(await q('ps', '-a')), ...(await q('volume', 'ls')), ...(await q('network', 'ls'))];
};
if ((await labelled()).length > 0) fail(`make dev's containers exist already (a make dev is running?): make dev-down first`);

const unusedPort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
const pgPort = await unusedPort();
const natsPort = await unusedPort();
const env = { ...process.env, DATABASE_ADMIN_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`, NATS_URL: `nats://127.0.0.1:${natsPort}` };
say(`make dev with DATABASE_ADMIN_URL=${env.DATABASE_ADMIN_URL} NATS_URL=${env.NATS_URL} (nothing listens there)`);
const dev = spawn(process.execPath, ['scripts/dev.mjs'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
const exited = new Promise((resolve) => dev.once('exit', (code) => resolve(code)));
const ready = new Promise((resolve, reject) => {
  for (const stream of [dev.stdout, dev.stderr]) {
    stream.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ctrl-C stops every process')) resolve();
    });
  }
  exited.then((code) => reject(new Error(`make dev exited (${code}) before it was ready:\n${output.slice(-3000)}`)));
});
try {
  let timer;
  await Promise.race([ready, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('not ready after 20 minutes')), 1_200_000)))]).finally(() => clearTimeout(timer));
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const block = plain.slice(plain.lastIndexOf('ready ──'));
  process.stdout.write(block);
  if (!block.includes('127.0.0.1:15432') || !block.includes('127.0.0.1:14222')) throw new Error('it did not use its own Postgres and NATS');
  say(`order confirmed: ${await confirmAnOrder()}`);
} catch (error) {
  dev.kill('SIGINT');
  await exited;
  await removeOwnInfra(say);
  fail(error.message);
}

dev.kill('SIGINT'); // as a terminal's Ctrl-C
const code = await exited;
if (code !== 0) fail(`make dev exited ${code} after Ctrl-C`);
await removeOwnInfra(say);
const left = await labelled();
const processes = leftoverProcesses();
if (left.length > 0 || processes.length > 0) fail(`left behind: docker ${left.join(' ')} processes ${processes.join(' ')}`);
say(`passed: make dev started its own Postgres and NATS, confirmed an order, and make dev-down left no container, volume, network or process`);
process.exit(0);

async function confirmAnOrder() {
  const secret = process.env.JWT_SECRET;
  const as = async (sub, role) => ({ authorization: `Bearer ${await issueToken(secret, { sub, roles: [role] })}`, 'content-type': 'application/json' });
  const [staff, ada] = [await as('staff-1', 'admin'), await as('cust-ada', 'customer')];
  const send = async (url, method, headers, body) => {
    const response = await fetch(url, { method, headers, body: body && JSON.stringify(body) });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  await send('http://127.0.0.1:3002/products', 'POST', staff, { sku: 'KETTLE-1', name: 'Kettle', price: { amount: 2599, currency: 'EUR' }, onHand: 10 });
  const card = await send('http://127.0.0.1:3003/payment-methods', 'POST', ada, { type: 'card', token: 'tok_ok' });
  for (let attempt = 0; ; attempt++) {
    // the catalog reaches order-service through NATS: an unknown sku right after creating it is 422
    const order = await send('http://127.0.0.1:3001/orders', 'POST', ada, { items: [{ sku: 'KETTLE-1', quantity: 2 }], payment: { method: 'card', paymentMethodId: card.id } }).catch((error) => {
      if (attempt < 20 && /422/.test(error.message)) return undefined;
      throw error;
    });
    if (!order) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    for (let i = 0; i < 60; i++) {
      const { status } = await send(`http://127.0.0.1:3001/orders/${order.id}`, 'GET', ada);
      if (status === 'confirmed') return order.id;
      if (status === 'cancelled') throw new Error(`order ${order.id} was cancelled`);
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`order ${order.id} not confirmed after 30 s`);
  }
}

/** Processes still running from this tree's build (an api, a worker, a migrator): none may be. */
function leftoverProcesses() {
  const found = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (`${readlinkSync(`/proc/${pid}/cwd`)}/` === root && /dist\/src\/|scripts\/dev\.mjs/.test(cmdline)) found.push(`${pid} ${cmdline.trim()}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
