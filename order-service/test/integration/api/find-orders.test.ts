import { expect } from 'chai';
import { call, startOrderService, type OrderService } from '../../support/order-service.js';
import { seedCatalog } from '../../support/catalog.js';

describe('reading orders', () => {
  let orders: OrderService;
  const placed: { id: string; customerId: string }[] = [];

  before(async () => {
    orders = await startOrderService({ worker: false });
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
    for (const customerId of ['alice', 'bob', 'alice', 'alice', 'bob']) {
      const response = await call(orders.api.url, 'POST', '/orders', { customerId, items: [{ sku: 'KETTLE-1', quantity: 1 }], payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' } });
      expect(response.status).to.equal(202);
      placed.push({ id: response.body.id, customerId });
    }
  });

  after(async () => {
    await orders.close();
  });

  it("pages through one customer's orders, newest first, with an opaque cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: { items: { id: string; customerId: string }[]; nextCursor: string | null } } = await call(
        orders.api.url, 'GET', `/orders?customerId=alice&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).to.equal(200);
      expect(page.body.items.every((o) => o.customerId === 'alice')).to.equal(true);
      seen.push(...page.body.items.map((o) => o.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).to.equal(2);
    expect(seen).to.deep.equal(placed.filter((o) => o.customerId === 'alice').map((o) => o.id).reverse());
  });

  it('filters by status', async () => {
    const pending = await call(orders.api.url, 'GET', '/orders?status=pending&limit=100');
    expect(pending.body.items).to.have.length(5);
    const confirmed = await call(orders.api.url, 'GET', '/orders?status=confirmed');
    expect(confirmed.body).to.deep.equal({ items: [], nextCursor: null });
  });

  it('answers 400 for a bad cursor, limit or status, and 404 for an unknown or malformed id', async () => {
    expect((await call(orders.api.url, 'GET', '/orders?cursor=bm90LWEtY3Vyc29y')).status).to.equal(400);
    expect((await call(orders.api.url, 'GET', '/orders?limit=1000')).status).to.equal(400);
    expect((await call(orders.api.url, 'GET', '/orders?status=shipped')).status).to.equal(400);
    expect((await call(orders.api.url, 'GET', '/orders/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
    const malformed = await call(orders.api.url, 'GET', '/orders/not-a-uuid');
    expect(malformed.status).to.equal(404);
    expect(malformed.headers.get('content-type')).to.match(/^application\/problem\+json/);
  });
});
