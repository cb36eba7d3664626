import { expect } from 'chai';
import { COMMIT_NOTIFICATION, eventually, recordStatements } from '@order-platform/shared/testing';
import { call, orderBody, startOrderService, type OrderService } from '../../support/order-service.js';
import { seedCatalog } from '../../support/catalog.js';

/**
 * Round trips to Postgres are what POST /orders costs under load (issue 10's profile: seven per
 * order, plus the rate limiter's). Counted where every statement passes (`recordStatements`: pg's
 * `Client#query`, BEGIN and COMMIT included) on the api's connections: knex's query events miss
 * the statements sent on the raw connection and the rate limiter's.
 */
const API = 'order-service-api';

describe('placing an order costs few round trips to Postgres', function () {
  this.timeout(60_000);
  let orders: OrderService;
  let recorded: ReturnType<typeof recordStatements> | undefined;

  before(async () => {
    recorded = recordStatements();
    orders = await startOrderService({ worker: false });
    await seedCatalog(orders, [
      { sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } },
      { sku: 'MUG-1', price: { amount: 450, currency: 'EUR' } },
      { sku: 'LAMP-1', price: { amount: 3900, currency: 'EUR' } },
      { sku: 'RUG-1', price: { amount: 8900, currency: 'EUR' } },
      { sku: 'VASE-1', price: { amount: 1200, currency: 'EUR' } },
      { sku: 'BOWL-1', price: { amount: 700, currency: 'EUR' } },
      { sku: 'CLOCK-1', price: { amount: 5000, currency: 'EUR' }, active: false },
    ]);
  });

  after(async () => {
    recorded?.restore();
    await orders?.close();
  });

  /** Places an order with `service` (one api runs at a time here) and answers the statements its api sent meanwhile. */
  async function placeCounted(items: { sku: string; quantity: number }[], headers: Record<string, string> = {}, service = orders) {
    const sent = recorded!.sent;
    sent.length = 0;
    const response = await call(service.api.url, 'POST', '/orders', orderBody({ items }), headers);
    const all = sent.filter((s) => s.application === API).map((s) => s.text.slice(0, 60));
    // the rate limit draws a busy key's points in leases (shared/src/http/rate-limit.ts): a request costs one statement for it at most
    const rateLimit = all.filter((text) => text.includes('rate_limits'));
    expect(rateLimit.length, rateLimit.join('\n')).to.be.at.most(1);
    // the relay's wake-up goes after the commit, on its own, off the request's path (CommitNotifier)
    return { response, statements: all.filter((text) => !text.includes('rate_limits') && !COMMIT_NOTIFICATION.test(text)) };
  }

  /** The NOTIFYs the api sends after its last order's insert (those of earlier orders may still come in between), once one has gone. */
  async function notificationsAfterLastOrder() {
    return eventually(() => {
      const sent = recorded!.sent.filter((s) => s.application === API);
      const inserted = sent.map((s) => isOrderInsert(s.text)).lastIndexOf(true);
      const notifications = sent.slice(inserted + 1).filter((s) => COMMIT_NOTIFICATION.test(s.text));
      expect(inserted).to.be.at.least(0);
      expect(notifications).to.not.be.empty;
      return notifications;
    });
  }

  const kettleAndMug = [{ sku: 'KETTLE-1', quantity: 2 }, { sku: 'MUG-1', quantity: 1 }];
  const isCatalogRead = (text: string) => text.startsWith('select * from "catalog"');
  const isOrderInsert = (text: string) => text.startsWith('with priced as');

  /** What the worker does when stock.product-changed arrives (catalog-repository's applyProductChange): a new version. */
  async function changeProduct(sku: string, change: { price_amount?: number; active?: boolean }) {
    await orders.api.resources.db('catalog').where({ sku }).update({ ...change, version: orders.api.resources.db.raw('version + 1'), changed_at: new Date() });
  }

  it('a first order of products this api has not read: the catalog, then the order with its lines, history, key and event in one statement', async () => {
    const { response, statements } = await placeCounted([{ sku: 'LAMP-1', quantity: 1 }, { sku: 'RUG-1', quantity: 1 }], { 'Idempotency-Key': `cost-${crypto.randomUUID()}` });
    expect(response.status).to.equal(202);
    expect(statements.map((text) => (isCatalogRead(text) ? 'catalog' : isOrderInsert(text) ? 'order' : text))).to.deep.equal(['catalog', 'order']);
  });

  it('an order of products this api has read: one statement, the order with its key and event', async () => {
    await placeCounted(kettleAndMug);
    const { response, statements } = await placeCounted(kettleAndMug, { 'Idempotency-Key': `cost-${crypto.randomUUID()}` });
    expect(response.status).to.equal(202);
    expect(statements, statements.join('\n')).to.have.length(1);
    expect(isOrderInsert(statements[0]!), statements[0]).to.equal(true);
    expect(response.body.total).to.deep.equal({ amount: 2 * 2599 + 450, currency: 'EUR' });
    // and, once it has committed, a NOTIFY for the relay, outside any transaction
    const notifications = await notificationsAfterLastOrder();
    expect(notifications.map((n) => ({ transaction: n.transaction, values: n.values }))).to.deep.include({ transaction: undefined, values: ['outbox', ['']] });
  });

  it('its retry with the same key costs one more: the first answer, read after the key was found taken', async () => {
    const key = `cost-${crypto.randomUUID()}`;
    const first = await placeCounted(kettleAndMug, { 'Idempotency-Key': key });
    const retry = await placeCounted(kettleAndMug, { 'Idempotency-Key': key });
    expect(retry.response.status).to.equal(202);
    expect(retry.response.body.id).to.equal(first.response.body.id);
    expect(retry.statements, retry.statements.join('\n')).to.have.length(2);
  });

  it('a price changed since this api read it: the insert writes nothing, the product is read again and the order placed at the new price', async () => {
    await placeCounted([{ sku: 'VASE-1', quantity: 1 }]);
    await changeProduct('VASE-1', { price_amount: 1350 });
    const before = await orders.api.resources.db('orders').count<{ n: string }[]>('* as n');
    const key = `cost-${crypto.randomUUID()}`;
    const { response, statements } = await placeCounted([{ sku: 'VASE-1', quantity: 2 }], { 'Idempotency-Key': key });
    expect(response.status).to.equal(202);
    expect(statements.map((text) => (isCatalogRead(text) ? 'catalog' : isOrderInsert(text) ? 'order' : text))).to.deep.equal(['order', 'catalog', 'order']);
    expect(response.body.items).to.deep.equal([{ sku: 'VASE-1', quantity: 2, unitPrice: { amount: 1350, currency: 'EUR' } }]);
    expect(response.body.total).to.deep.equal({ amount: 2700, currency: 'EUR' });
    // the attempt at the old price left nothing: one order more, its one event, and the key holds the answer at the new price
    const after = await orders.api.resources.db('orders').count<{ n: string }[]>('* as n');
    expect(Number(after[0]!.n) - Number(before[0]!.n)).to.equal(1);
    expect(await orders.api.resources.db('outbox').whereRaw("data->>'orderId' = ?", [response.body.id]).count<{ n: string }[]>('* as n').then(([row]) => Number(row!.n))).to.equal(1);
    const retry = await placeCounted([{ sku: 'VASE-1', quantity: 2 }], { 'Idempotency-Key': key });
    expect(retry.response.body).to.deep.equal(response.body);
    // and the copy kept now is the new one: the next order is one statement again
    expect((await placeCounted([{ sku: 'VASE-1', quantity: 1 }])).statements).to.have.length(1);
  });

  it('a product retired since this api read it is refused, on the row read again, and nothing is written', async () => {
    await placeCounted([{ sku: 'BOWL-1', quantity: 1 }]);
    await changeProduct('BOWL-1', { active: false });
    const { response, statements } = await placeCounted([{ sku: 'BOWL-1', quantity: 1 }]);
    expect(response.status).to.equal(422);
    expect(response.body).to.include({ reason: 'inactive_sku' });
    expect(statements.map((text) => (isCatalogRead(text) ? 'catalog' : isOrderInsert(text) ? 'order' : text))).to.deep.equal(['order', 'catalog']);
  });

  it('a product back on sale since this api refused it is sold: a refusal is never decided on a kept copy', async () => {
    const refused = await placeCounted([{ sku: 'CLOCK-1', quantity: 1 }]);
    expect(refused.response.status).to.equal(422);
    await changeProduct('CLOCK-1', { active: true });
    const { response, statements } = await placeCounted([{ sku: 'CLOCK-1', quantity: 1 }]);
    expect(response.status, JSON.stringify(response.body)).to.equal(202);
    expect(statements.map((text) => (isCatalogRead(text) ? 'catalog' : isOrderInsert(text) ? 'order' : text))).to.deep.equal(['catalog', 'order']);
  });

  it('with CATALOG_CACHE_SIZE=0 every order reads the catalog first', async () => {
    const uncached = await startOrderService({ worker: false, env: { CATALOG_CACHE_SIZE: '0' } });
    try {
      await seedCatalog(uncached, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
      for (let i = 0; i < 2; i += 1) {
        const { response, statements } = await placeCounted([{ sku: 'KETTLE-1', quantity: 1 }], {}, uncached);
        expect(response.status).to.equal(202);
        expect(statements.map((text) => (isCatalogRead(text) ? 'catalog' : isOrderInsert(text) ? 'order' : text))).to.deep.equal(['catalog', 'order']);
      }
    } finally {
      await uncached.close();
    }
  });
});
