import { Writable } from 'node:stream';
import { expect } from 'chai';
import pg from 'pg';
import pino from 'pino';
import { createDb } from '@order-platform/shared';
import { bearer, call, scrapeMetrics, testLog } from '@order-platform/shared/testing';
import { startApi, type RunningApi } from '../../../src/api/app.js';
import { loadApiConfig } from '../../../src/config.js';
import { startStockService, type StockService } from '../../support/stock-service.js';

// Low budgets for this suite only (the default test env sets them out of reach).
const limits = { RATE_LIMIT_READS_PER_MINUTE: '5', RATE_LIMIT_WRITES_PER_MINUTE: '3', RATE_LIMIT_ADMIN_PER_MINUTE: '8', TRUSTED_PROXY_HOPS: '1' };

function remaining(response: { headers: Headers }): number {
  const match = /^"(reads|writes|admin)";r=(\d+);t=(\d+)$/.exec(response.headers.get('ratelimit') ?? '');
  expect(match, `RateLimit: ${response.headers.get('ratelimit')}`).to.not.equal(null);
  const reset = Number(match![3]);
  expect(reset).to.be.within(1, 60);
  return Number(match![2]);
}

function expectRefused(response: Awaited<ReturnType<typeof call>>, policy: string, limit: number): void {
  expect(response.status, JSON.stringify(response.body)).to.equal(429);
  expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
  expect(response.body).to.include({ status: 429, title: 'Too Many Requests', policy, limit, windowSeconds: 60 });
  const retryAfter = response.headers.get('retry-after');
  expect(retryAfter).to.match(/^\d+$/);
  expect(Number(retryAfter)).to.be.within(1, 60);
  expect(response.headers.get('ratelimit-policy')).to.equal(`"${policy}";q=${limit};w=60`);
  expect(remaining(response)).to.equal(0);
}

describe('stock-service: rate limits per principal and per address, shared by every replica', () => {
  let stock: StockService;
  let second: RunningApi;

  before(async () => {
    stock = await startStockService({ worker: false, env: limits });
    // a second replica: the same database, the same env
    second = await startApi(loadApiConfig(stock.env), testLog);
  });

  after(async () => {
    await second?.stop();
    await stock?.close();
  });

  it('a customer over the reads budget gets 429 problem+json with Retry-After; every answer carries RateLimit-Policy and RateLimit', async () => {
    const ada = await bearer('rl-ada', ['customer']);
    for (let i = 1; i <= 5; i++) {
      const response = await call(stock.api.url, 'GET', '/products', undefined, ada);
      expect(response.status).to.equal(200);
      expect(response.headers.get('ratelimit-policy')).to.equal('"reads";q=5;w=60');
      expect(remaining(response)).to.equal(5 - i);
    }
    expectRefused(await call(stock.api.url, 'GET', '/products', undefined, ada), 'reads', 5);
    // writes are a budget of their own: a customer's POST is counted, then refused by the route (403), not by the limiter
    const write = await call(stock.api.url, 'POST', '/products', {}, ada);
    expect(write.status).to.equal(403);
    expect(write.headers.get('ratelimit-policy')).to.equal('"writes";q=3;w=60');
    expect(remaining(write)).to.equal(2);
  });

  it('another principal is not affected by one over its budget', async () => {
    const flooder = await bearer('rl-flooder', ['customer']);
    for (let i = 0; i < 8; i++) await call(stock.api.url, 'GET', '/products', undefined, flooder);
    expect((await call(stock.api.url, 'GET', '/products', undefined, flooder)).status).to.equal(429);
    const grace = await call(stock.api.url, 'GET', '/products', undefined, await bearer('rl-grace', ['customer']));
    expect(grace.status).to.equal(200);
    expect(remaining(grace)).to.equal(4);
  });

  it('limits anonymous clients by the address the trusted proxy saw, whatever they prepend to X-Forwarded-For', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    for (let i = 0; i < 5; i++) expect((await call(stock.api.url, 'GET', '/products', undefined, from('203.0.113.7'))).status).to.equal(200);
    expectRefused(await call(stock.api.url, 'GET', '/products', undefined, from('203.0.113.7')), 'reads', 5);
    expectRefused(await call(stock.api.url, 'GET', '/products', undefined, from('198.51.100.1, 203.0.113.7')), 'reads', 5);
    expect((await call(stock.api.url, 'GET', '/products', undefined, from('203.0.113.8'))).status).to.equal(200);
    // without trusted proxies the header is ignored: every anonymous caller here is 127.0.0.1
    const direct = await startApi(loadApiConfig({ ...stock.env, TRUSTED_PROXY_HOPS: '0' }), testLog);
    try {
      for (let i = 0; i < 5; i++) expect((await call(direct.url, 'GET', '/products', undefined, from(`192.0.2.${i}`))).status).to.equal(200);
      expectRefused(await call(direct.url, 'GET', '/products', undefined, from('192.0.2.99')), 'reads', 5);
    } finally {
      await direct.stop();
    }
  });

  it('shares each budget between two api processes on the same database', async () => {
    const shared = await bearer('rl-shared', ['customer']);
    const apis = [stock.api.url, second.url];
    for (let i = 1; i <= 5; i++) {
      const response = await call(apis[i % 2]!, 'GET', '/products', undefined, shared);
      expect(response.status).to.equal(200);
      expect(remaining(response)).to.equal(5 - i);
    }
    for (const url of apis) expectRefused(await call(url, 'GET', '/products', undefined, shared), 'reads', 5);
  });

  it('refuses a flood from memory: the count in Postgres stops at the budget', async () => {
    const flood = await bearer('rl-flood', ['customer']);
    for (let i = 0; i < 5; i++) await call(stock.api.url, 'GET', '/products', undefined, flood);
    const refused = await Promise.all(Array.from({ length: 50 }, () => call(stock.api.url, 'GET', '/products', undefined, flood)));
    expect(refused.map((r) => r.status)).to.deep.equal(Array(50).fill(429));
    const row = await stock.api.resources.db('rate_limits').where({ key: 'reads:p:rl-flood' }).first();
    expect(row.points).to.equal(5);
  });

  it('gives admins a class of their own', async () => {
    const admin = await bearer('rl-staff', ['admin']);
    for (let i = 1; i <= 8; i++) {
      const response = await call(stock.api.url, 'GET', '/products', undefined, admin);
      expect(response.status).to.equal(200);
      expect(response.headers.get('ratelimit-policy')).to.equal('"admin";q=8;w=60');
    }
    expectRefused(await call(stock.api.url, 'POST', '/products', {}, admin), 'admin', 8);
  });

  it('a busy key draws its points in leases: one store update per lease, never more accepted than the budget, across replicas', async function () {
    this.timeout(60_000);
    // 1,000 points: leases grow 1, 2, 4, 8, 16, then 20 (2 % of the budget)
    const env = { ...stock.env, RATE_LIMIT_ADMIN_PER_MINUTE: '1000' };
    const apis = [await startApi(loadApiConfig(env), testLog), await startApi(loadApiConfig(env), testLog)];
    const statements: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [first] = args as [string | { text: string }];
      const text = typeof first === 'string' ? first : first.text;
      if (text.includes('rate_limits')) statements.push(text);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      const staff = await bearer('rl-busy', ['admin']);
      const one = apis[0]!;
      for (let i = 0; i < 200; i++) expect((await call(one.url, 'GET', '/products', undefined, staff)).status).to.equal(200);
      // without leases: 200 updates of the key's row
      expect(statements.length, `${statements.length} store statements for 200 requests`).to.be.within(5, 20);
      const row = await one.resources.db('rate_limits').where({ key: 'admin:p:rl-busy' }).first();
      expect(row.points, 'the store counts every point drawn').to.be.within(200, 220);
      // both replicas, in parallel, far past the budget: never more than 1,000 accepted, at most a lease per replica short of it
      const statuses: number[] = [];
      for (let round = 0; round < 25; round++) {
        const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(apis[i % 2]!.url, 'GET', '/products', undefined, staff)));
        statuses.push(...answers.map((r) => r.status));
      }
      const accepted = 200 + statuses.filter((status) => status === 200).length;
      expect(statuses.filter((status) => status !== 200 && status !== 429), 'only 200 or 429').to.deep.equal([]);
      expect(accepted).to.be.within(1000 - 2 * 20, 1000);
    } finally {
      pg.Client.prototype.query = query;
      for (const api of apis) await api.stop();
    }
  });

  it('never limits /healthz, /readyz, /metrics, /openapi.json or /docs and its assets', async () => {
    const spent = { 'x-forwarded-for': '203.0.113.7' }; // over its budget since the anonymous test
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/docs/assets/swagger-ui.css']) {
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${stock.api.url}${path}`, { headers: spent });
        await response.text();
        expect(response.status, path).to.equal(200);
        expect(response.headers.get('ratelimit'), path).to.equal(null);
      }
    }
  });

  it('when the Postgres store fails, limits in memory instead, and logs and counts it', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }));
    const api = await startApi(loadApiConfig(stock.env), log);
    // the api's app role may not alter tables; the test's superuser connection may
    const db = createDb(stock.database.url, { poolMax: 1 });
    await db.raw('alter table rate_limits rename to rate_limits_away');
    try {
      const fallback = await bearer('rl-fallback', ['customer']);
      for (let i = 1; i <= 5; i++) expect((await call(api.url, 'GET', '/products', undefined, fallback)).status).to.equal(200);
      expectRefused(await call(api.url, 'GET', '/products', undefined, fallback), 'reads', 5);
      expect((await scrapeMetrics(api.url)).value('rate_limit_store_fallbacks_total')).to.be.at.least(6);
      expect(lines.map((l) => JSON.parse(l).msg)).to.include('rate-limit store (Postgres) failed: limiting in this process only until it answers again');
    } finally {
      await db.raw('alter table rate_limits_away rename to rate_limits');
      await db.destroy();
      await api.stop();
    }
  });
});
