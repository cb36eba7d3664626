import { expect } from 'chai';
import pg from 'pg';
import { call, orderBody, startOrderService, type OrderService } from '../../support/order-service.js';
import { seedCatalog } from '../../support/catalog.js';

/**
 * Round trips to Postgres are what POST /orders costs under load (issue 10's profile: seven per
 * order, plus the rate limiter's). Counted where every statement passes, pg's `Client#query`, on
 * connections to the order database, BEGIN and COMMIT included: knex's query events miss the
 * statements sent on the raw connection (the outbox insert) and the rate limiter's.
 */
const sent: Array<{ database: string | undefined; text: string }> = [];
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const [first] = args as [string | { text: string }];
  sent.push({ database: (this as unknown as { database?: string }).database, text: typeof first === 'string' ? first : first.text });
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;
describe('placing an order costs few round trips to Postgres', function () {
  this.timeout(60_000);
  let orders: OrderService;
  let database: string;

  before(async () => {
    orders = await startOrderService({ worker: false });
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }, { sku: 'MUG-1', price: { amount: 450, currency: 'EUR' } }]);
    const connection = (await orders.api.resources.db.client.acquireConnection()) as pg.Client;
    database = (connection as unknown as { database: string }).database;
    await orders.api.resources.db.client.releaseConnection(connection);
  });

  after(async () => {
    pg.Client.prototype.query = query;
    await orders?.close();
  });

  async function placeCounted(headers: Record<string, string> = {}) {
    sent.length = 0;
    const body = orderBody({ items: [{ sku: 'KETTLE-1', quantity: 2 }, { sku: 'MUG-1', quantity: 1 }] });
    const response = await call(orders.api.url, 'POST', '/orders', body, headers);
    const all = sent.filter((s) => s.database === database).map((s) => s.text.replace(/\s+/g, ' ').slice(0, 60));
    // the rate limit draws a busy key's points in leases (shared/src/http/rate-limit.ts): a request costs one statement for it at most
    const rateLimit = all.filter((text) => text.includes('rate_limits'));
    expect(rateLimit.length, rateLimit.join('\n')).to.be.at.most(1);
    return { response, statements: all.filter((text) => !text.includes('rate_limits')) };
  }

  it('a new order of two lines with an Idempotency-Key: the catalog, then the order with its lines, history, key and event in one statement (and the rate limit, at most one)', async () => {
    const { response, statements } = await placeCounted({ 'Idempotency-Key': `cost-${crypto.randomUUID()}` });
    expect(response.status).to.equal(202);
    expect(statements, statements.join('\n')).to.have.length(2);
  });

  it('its retry with the same key costs one more: the first answer, read after the key was found taken', async () => {
    const key = `cost-${crypto.randomUUID()}`;
    const first = await placeCounted({ 'Idempotency-Key': key });
    const retry = await placeCounted({ 'Idempotency-Key': key });
    expect(retry.response.status).to.equal(202);
    expect(retry.response.body.id).to.equal(first.response.body.id);
    expect(retry.statements, retry.statements.join('\n')).to.have.length(3);
  });
});
