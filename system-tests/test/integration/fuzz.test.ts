import { expect } from 'chai';
import { issueToken } from '@order-platform/shared';
import { asCustomer, callAs, testJwtSecret } from '@order-platform/shared/testing';
import { Random } from '../support/fuzz/hostile.js';
import { nextRequest, operationsOf, type Fixtures, type FuzzRequest, type Operation } from '../support/fuzz/requests.js';
import { brokenRule, dataTokens, type FuzzResponse } from '../support/fuzz/rules.js';
import { call, createProducts, settle } from '../support/shop.js';
import { startSystem, type ServiceName, type System } from '../support/system.js';

// `make fuzz` sends FUZZ_REQUESTS=10000; `make test` a bounded part of it.
const total = Number(process.env['FUZZ_REQUESTS'] ?? 1500);
const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 1_000_000);
const concurrency = 16;

describe(`hostile requests against every route and role (${total} requests, FUZZ_SEED=${seed})`, function () {
  this.timeout(Math.max(240_000, total * 60));
  let system: System;
  let operations: Operation[];
  let fixtures: Fixtures;
  const card = { type: 'card', token: 'tok_ok' };
  // an order names a card its customer registered with payment-service
  const payWith = async (customer: string) => ({ method: 'card', paymentMethodId: (await callAs(asCustomer(customer))(system.urls.payment, 'POST', '/payment-methods', card)).body.id as string });

  before(async () => {
    system = await startSystem({ workers: 'in-process' });
    await createProducts(system, [{ sku: 'FUZZ', onHand: 1_000_000 }]);
    const tokens = {
      noRole: await issueToken(testJwtSecret, { sub: 'cust-norole', roles: [] }),
      expired: await issueToken(testJwtSecret, { sub: 'cust-ada', roles: ['customer'], ttlSeconds: -60 }),
      forged: await issueToken('a-secret-that-is-not-the-one-in-use!!', { sub: 'staff-1', roles: ['admin'] }),
      garbage: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      ada: await issueToken(testJwtSecret, { sub: 'cust-ada', roles: ['customer'] }),
      grace: await issueToken(testJwtSecret, { sub: 'cust-grace', roles: ['customer'] }),
      admin: await issueToken(testJwtSecret, { sub: 'staff-1', roles: ['admin'] }),
    };
    const orderBody = (payment: unknown) => ({ items: [{ sku: 'FUZZ', quantity: 1 }], payment });
    const place = async (who: 'ada' | 'grace') => (await callAs(asCustomer(`cust-${who}`))(system.urls.order, 'POST', '/orders', orderBody(await payWith(`cust-${who}`)))).body.id as string;
    const orderOf = { ada: await place('ada'), grace: await place('grace') };
    await settle(system, [orderOf.ada, orderOf.grace]);
    fixtures = {
      orderOf,
      sku: 'FUZZ',
      tokens,
      bodies: {
        // used by the first order that names it: the later ones are declined by payment-service, after their 202
        'POST /orders': orderBody(await payWith('cust-ada')),
        // a token no hostile value uses, so that returning it is always seen as the leak it is
        'POST /payment-methods': { type: 'card', token: 'tok_fuzz_card' },
        'POST /products': { sku: 'FUZZ-NEW', name: 'Fuzz', price: { amount: 100, currency: 'EUR' }, onHand: 5, lowStockThreshold: 1 },
        'PATCH /products/{sku}': { name: 'Fuzzed', price: { amount: 1000, currency: 'EUR' }, active: true },
        'POST /products/{sku}/restock': { quantity: 1 },
        'PUT /templates/{name}': { email: { subject: 'Order {{orderId}}', body: 'Thanks, {{customerName}}' } },
      },
    };
    operations = [];
    for (const [service, base] of Object.entries(system.urls) as [ServiceName, string][]) {
      operations.push(...operationsOf(service, base, (await call(base, 'GET', '/openapi.json')).body));
    }
  });

  after(async () => {
    await system?.close();
  });

  it('never answers 5xx, always problem+json for errors, and no 2xx breaks the rules; afterwards an order still confirms', async () => {
    // generated up front, so that FUZZ_SEED repeats the same requests whatever order answers come in
    const random = new Random(seed);
    const requests = Array.from({ length: total }, () => nextRequest(random, operations, fixtures));
    const stats = new Map<string, { sent: number; ok: number; client: Map<number, number>; broken: number }>();
    const violations: string[] = [];
    const sentAsData = new Set<string>();
    let sent = 0;
    const worker = async () => {
      while (sent < total) {
        const request = requests[sent++]!;
        for (const token of dataTokens(request)) sentAsData.add(token);
        const response = await send(request);
        const key = `${request.operation.service} ${request.operation.method} ${request.operation.path}`;
        const row = stats.get(key) ?? { sent: 0, ok: 0, client: new Map(), broken: 0 };
        stats.set(key, row);
        row.sent++;
        if (response.status >= 200 && response.status < 400) row.ok++;
        else row.client.set(response.status, (row.client.get(response.status) ?? 0) + 1);
        if (response.status === 0 && process.env['FUZZ_DEBUG']) process.stdout.write(`closed: ${request.operation.method} ${request.url.length} chars ${response.text}\n`);
        const broken = brokenRule(request, response, sentAsData);
        if (broken) {
          row.broken++;
          if (violations.length < 20) violations.push(`${broken}: ${request.operation.method} ${request.url.slice(0, 200)} as ${request.auth} → ${response.status} ${response.text.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    printTable(stats);
    expect(violations, violations.join('\n')).to.deep.equal([]);
    expect([...stats.values()].reduce((n, r) => n + r.sent, 0)).to.equal(total);
    expect(stats.size, 'every route was called').to.equal(operations.length);

    await createProducts(system, [{ sku: 'AFTER-FUZZ', onHand: 10 }]);
    const placed = await callAs(asCustomer('cust-after'))(system.urls.order, 'POST', '/orders', { items: [{ sku: 'AFTER-FUZZ', quantity: 1 }], payment: await payWith('cust-after') });
    expect(placed.status).to.equal(202);
    expect((await settle(system, [placed.body.id])).get(placed.body.id)?.status).to.equal('confirmed');
  });
});

async function send(request: FuzzRequest): Promise<FuzzResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const response = await fetch(request.url, { method: request.operation.method, headers: request.headers, body: request.body, signal: controller.signal });
    const contentType = response.headers.get('content-type') ?? '';
    // a status stream stays open until the order ends: its headers are the answer
    const text = contentType.startsWith('text/event-stream') ? '' : await response.text();
    if (!text) await response.body?.cancel();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.status, contentType, body, text };
  } catch (error) {
    // the server may close a connection whose request it refused before it was all sent: a clean close, not a 5xx
    const code = (error as { cause?: { code?: string } }).cause?.code ?? '';
    if (!['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(code)) throw error;
    return { status: 0, contentType: '', body: undefined, text: `${code} ${String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

function printTable(stats: Map<string, { sent: number; ok: number; client: Map<number, number>; broken: number }>): void {
  const rows = [...stats.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lines = rows.map(([key, r]) => `  ${key.padEnd(52)} ${String(r.sent).padStart(6)} ${String(r.ok).padStart(6)}  ${[...r.client.entries()].sort().map(([s, n]) => `${s}:${n}`).join(' ').padEnd(52)} ${r.broken}`);
  const sum = (pick: (r: { sent: number; ok: number; broken: number }) => number) => rows.reduce((n, [, r]) => n + pick(r), 0);
  const totals = `  ${'all routes'.padEnd(52)} ${String(sum((r) => r.sent)).padStart(6)} ${String(sum((r) => r.ok)).padStart(6)}  ${''.padEnd(52)} ${sum((r) => r.broken)}`;
  process.stdout.write(`\n  ${'route'.padEnd(52)} ${'sent'.padStart(6)} ${'2xx'.padStart(6)}  ${'other answers by status (0 = connection closed)'.padEnd(52)} broken\n${lines.join('\n')}\n${totals}\n\n`);
}
