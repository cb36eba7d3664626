import { expect } from 'chai';
import { eventually, readStream } from '@order-platform/shared/testing';
import { seedCatalog } from '../../support/catalog.js';
import { becomes, facts, outcomes, placeOrder, processed, report } from '../../support/lifecycle.js';
import { call, startOrderService, type OrderService } from '../../support/order-service.js';

// Published with payment-service's ce-source, as if the NATS permissions had been bypassed.
describe('payments.captured is checked against the order before it confirms it', () => {
  let orders: OrderService;

  before(async () => {
    orders = await startOrderService();
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
  });

  after(async () => {
    await orders.close();
  });

  async function deadLetter(eventId: string) {
    return eventually(async () => {
      const found = (await readStream(orders.api.resources.nc, orders.topology.stream('DLQ'))).filter((m) => m.headers['ce-id'] === eventId);
      expect(found).to.have.length(1);
      return found[0]!;
    });
  }

  async function history(id: string): Promise<string[]> {
    return (await call(orders.api.url, 'GET', `/orders/${id}/events`)).body.map((h: { to: string }) => h.to);
  }

  it('when the captured amount is not the order total, the order is not confirmed and the event is dead-lettered at once; the real capture still confirms it', async () => {
    const order = await placeOrder(orders);
    await report(orders, 'stock.reserved', facts.reserved(order.id));
    await becomes(orders, order.id, 'stock_reserved');
    const forged = await report(orders, 'payments.captured', facts.captured(order.id, 1));
    const dead = await deadLetter(forged);
    expect(dead.headers['dlq-error-kind']).to.equal('permanent');
    expect(dead.headers['dlq-error']).to.include(`payments.captured contradicts order ${order.id}: captured 1 EUR, but the order's total is 5198 EUR`);
    expect(dead.headers['dlq-delivery-count']).to.equal('1');
    await processed(orders);
    await becomes(orders, order.id, 'stock_reserved');
    expect(await history(order.id)).to.deep.equal(['pending', 'stock_reserved']);
    expect(await outcomes(orders, order.id)).to.deep.equal([]);

    await report(orders, 'payments.captured', facts.captured(order.id, order.total.amount));
    await becomes(orders, order.id, 'confirmed');
  });

  it('when the currency differs, the order is not confirmed', async () => {
    const order = await placeOrder(orders);
    const forged = await report(orders, 'payments.captured', { ...facts.captured(order.id, order.total.amount), amount: { amount: order.total.amount, currency: 'USD' } });
    expect((await deadLetter(forged)).headers['dlq-error']).to.include('captured 5198 USD');
    await processed(orders);
    await becomes(orders, order.id, 'pending');
  });

  it('when the event names one order in its data and another as its ce-subject, nothing changes and it is dead-lettered', async () => {
    const [order, other] = [await placeOrder(orders), await placeOrder(orders)];
    const forged = await report(orders, 'payments.captured', facts.captured(order.id, order.total.amount), { subject: other.id });
    expect((await deadLetter(forged)).headers['dlq-error']).to.equal(`payments.captured about order ${order.id} has ce-subject ${other.id}`);
    await processed(orders);
    await becomes(orders, order.id, 'pending');
    await becomes(orders, other.id, 'pending');
  });
});
