import { expect } from 'chai';
import { asCustomer, callAs } from '@order-platform/shared/testing';
import { call, orderBody, startOrderService, type OrderService } from '../../support/order-service.js';
import { seedCatalog } from '../../support/catalog.js';
import { becomes, facts, report } from '../../support/lifecycle.js';

type Page = { items: { id: string; customerId: string; status: string }[]; nextCursor: string | null };

describe("the operator console's order queries: search by order or customer id, and what an order waits for", () => {
  let orders: OrderService;
  const placed: { id: string; customerId: string; createdAt: string }[] = [];

  before(async () => {
    orders = await startOrderService();
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
    for (const customerId of ['carol', 'dave', 'carol', 'carol']) {
      const response = await call(orders.api.url, 'POST', '/orders', orderBody({ customerId }));
      expect(response.status).to.equal(202);
      placed.push({ id: response.body.id, customerId, createdAt: response.body.createdAt });
    }
  });

  after(async () => {
    await orders.close();
  });

  const list = async (query: string): Promise<Page> => {
    const response = await call(orders.api.url, 'GET', `/orders?${query}`);
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    return response.body;
  };

  it('finds one order by its id, and a customer\'s orders, newest first, by their customer id, paged', async () => {
    expect((await list(`q=${placed[1]!.id}`)).items.map((o) => o.id)).to.deep.equal([placed[1]!.id]);
    const first = await list('q=carol&limit=2');
    const second = await list(`q=carol&limit=2&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].map((o) => o.id)).to.deep.equal(placed.filter((o) => o.customerId === 'carol').map((o) => o.id).reverse());
    expect(second.nextCursor).to.equal(null);
    expect((await list('q=carol&status=confirmed')).items).to.deep.equal([]);
    expect((await list('q=nobody')).items).to.deep.equal([]);
    expect((await list('q=00000000-0000-4000-8000-000000000000')).items).to.deep.equal([]);
    expect((await call(orders.api.url, 'GET', '/orders?q=')).status).to.equal(400);
  });

  it("keeps a customer's search within their own orders", async () => {
    const asCarol = callAs(asCustomer('carol'));
    expect((await asCarol(orders.api.url, 'GET', `/orders?q=${placed[1]!.id}`)).body.items).to.deep.equal([]);
    expect((await asCarol(orders.api.url, 'GET', `/orders?q=${placed[0]!.id}`)).body.items.map((o: { id: string }) => o.id)).to.deep.equal([placed[0]!.id]);
  });

  it('says a pending order waits for the reservation since it was placed, a reserved one for the payment since it was reserved, and a confirmed one for nothing', async () => {
    const { id, createdAt } = placed[0]!;
    expect((await call(orders.api.url, 'GET', `/orders/${id}`)).body.waitingFor).to.deep.equal({ what: 'stock-service: stock.reserved (reservation)', since: createdAt });
    await report(orders, 'stock.reserved', facts.reserved(id));
    await becomes(orders, id, 'stock_reserved');
    const reserved = (await call(orders.api.url, 'GET', `/orders/${id}`)).body;
    const transition = (await call(orders.api.url, 'GET', `/orders/${id}/events`)).body.find((e: { to: string }) => e.to === 'stock_reserved');
    expect(reserved.waitingFor).to.deep.equal({ what: 'payment-service: payments.captured or payments.failed', since: transition.at });
    expect((await list(`q=${id}`)).items[0]).to.deep.include({ waitingFor: reserved.waitingFor });
    await report(orders, 'payments.captured', facts.captured(id, 5198));
    await becomes(orders, id, 'confirmed');
    expect((await call(orders.api.url, 'GET', `/orders/${id}`)).body.waitingFor).to.equal(null);
  });
});
