import { expect } from 'chai';
import { call, orderBody, startOrderService, type OrderService } from '../../support/order-service.js';
import { seedCatalog } from '../../support/catalog.js';

/**
 * Round trips to Postgres are what POST /orders costs under load (issue 10's profile: seven per
 * order, plus the rate limiter's). Counted as the api's knex reports them, BEGIN and COMMIT included
 * (the rate limiter's one upsert per request goes past knex's query events, so it is not counted).
 */
describe('placing an order costs few round trips to Postgres', function () {
  this.timeout(60_000);
  let orders: OrderService;
  let statements: string[] = [];

  before(async () => {
    orders = await startOrderService({ worker: false });
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }, { sku: 'MUG-1', price: { amount: 450, currency: 'EUR' } }]);
    orders.api.resources.db.on('query', (query: { sql: string }) => statements.push(query.sql));
  });

  after(async () => {
    await orders?.close();
  });

  async function placeCounted(headers: Record<string, string> = {}) {
    statements = [];
    const body = orderBody({ items: [{ sku: 'KETTLE-1', quantity: 2 }, { sku: 'MUG-1', quantity: 1 }] });
    const response = await call(orders.api.url, 'POST', '/orders', body, headers);
    return { response, statements: statements.map((sql) => sql.replace(/\s+/g, ' ').slice(0, 60)) };
  }

  it('a new order of two lines with an Idempotency-Key: begin, catalog, order (with its lines, history and key), outbox, commit', async () => {
    const { response, statements } = await placeCounted({ 'Idempotency-Key': `cost-${crypto.randomUUID()}` });
    expect(response.status).to.equal(202);
    expect(statements, statements.join('\n')).to.have.length(5);
  });

  it('its retry with the same key costs as much: the first answer is read where the event was written', async () => {
    const key = `cost-${crypto.randomUUID()}`;
    const first = await placeCounted({ 'Idempotency-Key': key });
    const retry = await placeCounted({ 'Idempotency-Key': key });
    expect(retry.response.status).to.equal(202);
    expect(retry.response.body.id).to.equal(first.response.body.id);
    expect(retry.statements, retry.statements.join('\n')).to.have.length(5);
  });
});
