import { expect } from 'chai';
import { bearer, call, expectAnswer, principals } from '@order-platform/shared/testing';
import { seedCatalog } from '../../support/catalog.js';
import { startOrderService, type OrderService } from '../../support/order-service.js';

const body = { items: [{ sku: 'KETTLE-1', quantity: 1 }], payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' } };

describe('order-service: who may call which route', () => {
  let orders: OrderService;
  let as: Awaited<ReturnType<typeof principals>>;
  let adasOrder: string;

  before(async () => {
    orders = await startOrderService({ worker: false });
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
    as = await principals();
    adasOrder = (await expectAnswer(orders.api.url, 'POST', '/orders', as.ada, 202, body)).body.id;
  });

  after(async () => {
    await orders.close();
  });

  it('POST /orders: 401 without a token, 403 without a role or for another customer; the customer is the token subject', async () => {
    await expectAnswer(orders.api.url, 'POST', '/orders', as.none, 401, body);
    await expectAnswer(orders.api.url, 'POST', '/orders', as.noRole, 403, body);
    await expectAnswer(orders.api.url, 'POST', '/orders', as.ada, 403, { ...body, customerId: 'cust-grace' });
    const own = await expectAnswer(orders.api.url, 'POST', '/orders', as.ada, 202, { ...body, customerId: 'cust-ada' });
    expect(own.body.customerId).to.equal('cust-ada');
    const implied = await expectAnswer(orders.api.url, 'POST', '/orders', as.grace, 202, body);
    expect(implied.body.customerId).to.equal('cust-grace');
    const byStaff = await expectAnswer(orders.api.url, 'POST', '/orders', as.admin, 202, { ...body, customerId: 'cust-alan' });
    expect(byStaff.body.customerId).to.equal('cust-alan');
    await expectAnswer(orders.api.url, 'POST', '/orders', as.admin, 400, body); // staff must say for whom
  });

  for (const [method, suffix, ok] of [['GET', '', 200], ['GET', '/events', 200], ['GET', '/stream', 200], ['POST', '/cancel', 202]] as const) {
    it(`${method} /orders/:id${suffix}: 401 without a token, 403 without a role, 404 for another customer, ${ok} for the owner and for staff`, async () => {
      const path = (id: string) => `/orders/${id}${suffix}`;
      await expectAnswer(orders.api.url, method, path(adasOrder), as.none, 401);
      await expectAnswer(orders.api.url, method, path(adasOrder), as.noRole, 403);
      // another customer's order reads exactly like one that does not exist
      const foreign = await expectAnswer(orders.api.url, method, path(adasOrder), as.grace, 404);
      expect(foreign.body.detail).to.equal(`order ${adasOrder} does not exist`);
      if (suffix === '/stream') {
        // an open stream ends at the terminal status; this order is pending, so only the headers are read
        for (const auth of [as.ada, as.admin]) {
          const controller = new AbortController();
          const response = await fetch(`${orders.api.url}${path(adasOrder)}`, { headers: auth, signal: controller.signal });
          expect(response.status).to.equal(200);
          expect(response.headers.get('content-type')).to.match(/^text\/event-stream/);
          controller.abort();
        }
        return;
      }
      const target = method === 'POST' ? (await expectAnswer(orders.api.url, 'POST', '/orders', as.ada, 202, body)).body.id : adasOrder;
      await expectAnswer(orders.api.url, method, path(target), as.ada, ok);
      const byStaff = method === 'POST' ? (await expectAnswer(orders.api.url, 'POST', '/orders', as.ada, 202, body)).body.id : adasOrder;
      await expectAnswer(orders.api.url, method, path(byStaff), as.admin, ok);
    });
  }

  it("GET /orders: 401 without a token, 403 without a role or for another customer's list; a customer sees only their own, staff see all", async () => {
    await expectAnswer(orders.api.url, 'GET', '/orders', as.none, 401);
    await expectAnswer(orders.api.url, 'GET', '/orders', as.noRole, 403);
    await expectAnswer(orders.api.url, 'GET', '/orders?customerId=cust-ada', as.grace, 403);
    const mine = await expectAnswer(orders.api.url, 'GET', '/orders?limit=100', as.ada, 200);
    expect(mine.body.items.length).to.be.greaterThan(0);
    expect(new Set(mine.body.items.map((o: { customerId: string }) => o.customerId))).to.deep.equal(new Set(['cust-ada']));
    const all = await expectAnswer(orders.api.url, 'GET', '/orders?limit=100', as.admin, 200);
    expect(new Set(all.body.items.map((o: { customerId: string }) => o.customerId))).to.include.keys('cust-ada', 'cust-grace', 'cust-alan');
    const graces = await expectAnswer(orders.api.url, 'GET', '/orders?customerId=cust-grace', as.admin, 200);
    expect(new Set(graces.body.items.map((o: { customerId: string }) => o.customerId))).to.deep.equal(new Set(['cust-grace']));
  });

  it('refuses expired, forged, unsigned and malformed tokens with 401 and says why, and leaves health, metrics and docs open', async () => {
    const expired = await bearer('cust-ada', ['customer'], { ttlSeconds: -60 });
    const forged = await bearer('cust-ada', ['customer'], { secret: 'another-secret-of-at-least-32-chars!!' });
    const [header, payload] = as.ada.authorization.slice(7).split('.');
    const unsigned = { authorization: `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.` };
    for (const [what, auth, detail] of [
      ['expired', expired, /expired/],
      ['forged', forged, /signature/],
      ['unsigned', unsigned, /algorithm|not valid/],
      ['truncated', { authorization: `Bearer ${header}.${payload}` }, /not valid/],
      ['not bearer', { authorization: 'Basic YWRhOnNlY3JldA==' }, /Bearer/],
    ] as const) {
      const response = await expectAnswer(orders.api.url, 'GET', `/orders/${adasOrder}`, auth, 401);
      expect(response.body.detail, what).to.match(detail);
      expect(response.headers.get('www-authenticate'), what).to.match(/error="invalid_(token|request)"/);
    }
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      expect((await fetch(`${orders.api.url}${path}`, { headers: { authorization: 'Bearer not-a-token' } })).status, path).to.equal(200);
    }
  });

  it('declares the bearer scheme, and the 429 of the rate limits, on every order route in its OpenAPI document', async () => {
    const doc = (await call(orders.api.url, 'GET', '/openapi.json')).body;
    expect(doc.components.securitySchemes.bearerAuth).to.include({ type: 'http', scheme: 'bearer' });
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { security: unknown; responses: Record<string, unknown> }>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(operation.security, `${method} ${path}`).to.deep.equal([{ bearerAuth: [] }]);
        expect(operation.responses, `${method} ${path}`).to.include.keys('401', '403', '429');
      }
    }
  });
});
