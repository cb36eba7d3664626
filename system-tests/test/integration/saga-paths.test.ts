import { expect } from 'chai';
import { eventually, readStream } from '@order-platform/shared/testing';
import { expectInvariants } from '../support/invariants.js';
import { call, createProducts, order, payments, placeOrder, product, settle } from '../support/shop.js';
import { startSystem, type System } from '../support/system.js';

describe('the order saga, path by path (all services, real Postgres and NATS)', () => {
  let system: System;
  const placed: { id: string; items: { sku: string; quantity: number }[] }[] = [];
  const initial = { KETTLE: 20, TEAPOT: 1 };
  const kettle = (quantity = 1) => [{ sku: 'KETTLE', quantity }];

  before(async () => {
    system = await startSystem({ workers: 'in-process' });
    await createProducts(system, [{ sku: 'KETTLE', onHand: initial.KETTLE, price: 2599 }, { sku: 'TEAPOT', onHand: initial.TEAPOT }]);
  });

  after(async () => {
    await system.close();
  });

  const reservation = (system: System, orderId: string): Promise<{ status: string } | undefined> =>
    system.services.stock.api.resources.db('reservations').where({ order_id: orderId }).first();

  async function run(token: string, items: { sku: string; quantity: number }[]) {
    const o = await placeOrder(system, token, items);
    placed.push({ id: o.id, items });
    await settle(system, [o.id]);
    return o;
  }

  it('happy path: confirmed, payment captured, units sold', async () => {
    const o = await run('tok_ok', kettle(2));
    expect(await order(system, o.id)).to.include({ status: 'confirmed', cancellationReason: null });
    expect((await payments(system, o.id))[0]).to.deep.include({ status: 'captured', amount: { amount: 5198, currency: 'EUR' } });
    await eventually(async () => expect(await product(system, 'KETTLE')).to.include({ sold: 2, reserved: 0 }));
  });

  it('short stock: cancelled as out_of_stock, stock untouched, nothing charged', async () => {
    const before = await product(system, 'TEAPOT');
    const o = await run('tok_ok', [{ sku: 'TEAPOT', quantity: 3 }]);
    expect(await order(system, o.id)).to.include({ status: 'cancelled', cancellationReason: 'out_of_stock' });
    expect(await product(system, 'TEAPOT')).to.deep.equal(before);
    await eventually(async () => expect((await payments(system, o.id))[0]?.status).to.equal('voided'));
  });

  it('tok_declined: cancelled as payment_declined, reservation released', async () => {
    const before = await product(system, 'KETTLE');
    const o = await run('tok_declined', kettle());
    expect(await order(system, o.id)).to.include({ status: 'cancelled', cancellationReason: 'payment_declined' });
    await eventually(async () => expect(await product(system, 'KETTLE')).to.deep.equal(before));
  });

  it('tok_flaky: confirmed after retries', async () => {
    const o = await run('tok_flaky', kettle());
    expect((await order(system, o.id)).status).to.equal('confirmed');
    expect((await payments(system, o.id))[0]).to.include({ status: 'captured', attempts: 3 });
  });

  it('tok_unavailable: cancelled as payment_unavailable, a DLQ entry, reservation released', async () => {
    const before = await product(system, 'KETTLE');
    const o = await run('tok_unavailable', kettle());
    expect(await order(system, o.id)).to.include({ status: 'cancelled', cancellationReason: 'payment_unavailable' });
    const dead = await readStream(system.services.payment.api.resources.nc, system.services.payment.topology.stream('DLQ'));
    // the charge is made by whichever of orders.created and stock.reserved reached payment-service second
    const charging = ['payment-service-stock-reserved', 'payment-service-orders-created'];
    expect(dead.filter((d) => d.headers['ce-subject'] === o.id && charging.includes(d.headers['dlq-consumer']!))).to.have.length(1);
    await eventually(async () => expect(await product(system, 'KETTLE')).to.deep.equal(before));
  });

  for (const [when, token] of [['pending', 'tok_ok'], ['stock_reserved', 'tok_unavailable'], ['confirmed', 'tok_ok']] as const) {
    it(`cancel while ${when}: cancelled, stock and money restored`, async () => {
      const before = await product(system, 'KETTLE');
      // pending: stock has not heard of the order yet; stock_reserved: the charge is still being retried
      if (when === 'pending') await system.services.stock.stopWorker();
      const o = await placeOrder(system, token, kettle(3));
      placed.push({ id: o.id, items: kettle(3) });
      if (when !== 'pending') await eventually(async () => expect((await order(system, o.id)).status).to.equal(when), { timeoutMs: 60_000 });
      const cancel = await call(system.urls.order, 'POST', `/orders/${o.id}/cancel`);
      expect(cancel.status).to.equal(202);
      if (when === 'pending') await system.services.stock.startWorker();
      const history = (await call(system.urls.order, 'GET', `/orders/${o.id}/events`)).body as { from: string; to: string }[];
      expect(history.at(-1)).to.include({ from: when, to: 'cancelled' });
      expect(await order(system, o.id)).to.include({ status: 'cancelled', cancellationReason: 'customer_request' });
      // stock-service must have handled the cancel before its figures mean anything: while it has
      // not even seen the order (pending), they equal `before` only by coincidence
      const settled = { pending: ['released', 'cancelled'], stock_reserved: ['released'], confirmed: ['restocked'] }[when];
      await eventually(async () => expect((await reservation(system, o.id))?.status).to.be.oneOf(settled), { timeoutMs: 60_000 });
      await eventually(async () => expect(await product(system, 'KETTLE')).to.deep.equal(before), { timeoutMs: 60_000 });
      // pending: voided, unless payment-service saw stock.reserved (sent once stock's worker is back)
      // before it could act on the cancel (a retried cancel, under load): then captured and refunded
      const restored = { pending: ['voided', 'refunded'], stock_reserved: ['voided'], confirmed: ['refunded'] }[when];
      await eventually(async () => expect((await payments(system, o.id))[0]?.status).to.be.oneOf(restored), { timeoutMs: 60_000 });
    });
  }

  it('leaves stock conserved and money settled for every order of these paths', async () => {
    await expectInvariants(system, initial, placed);
  });

  it("analytics-service, which no publisher knows of, counts every path from the events alone", async () => {
    const expected = { placed: placed.length, confirmed: 0, cancelled: 0, cancelledByReason: {} as Record<string, number>, captured: 0, refunded: 0 };
    for (const { id } of placed) {
      const o = await order(system, id);
      const history = (await call(system.urls.order, 'GET', `/orders/${id}/events`)).body as { to: string }[];
      if (history.some((h) => h.to === 'confirmed')) expected.confirmed++;
      if (o.status === 'cancelled') {
        expected.cancelled++;
        expected.cancelledByReason[o.cancellationReason!] = (expected.cancelledByReason[o.cancellationReason!] ?? 0) + 1;
      }
      for (const p of await payments(system, id)) {
        if (p.status === 'captured' || p.status === 'refunded') expected.captured += p.amount!.amount;
        if (p.status === 'refunded') expected.refunded += p.amount!.amount;
      }
    }
    // every day these orders may span (a run across midnight UTC), summed
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    await eventually(async () => {
      const { body } = await call(system.urls.analytics, 'GET', `/analytics/range?from=${from}&to=${to}&bucket=day`);
      const sum = { placed: 0, confirmed: 0, cancelled: 0, cancelledByReason: {} as Record<string, number>, captured: 0, refunded: 0 };
      for (const b of body.buckets as { placed: number; confirmed: number; cancelled: number; cancelledByReason: Record<string, number>; revenue: { captured: number; refunded: number }[] }[]) {
        sum.placed += b.placed;
        sum.confirmed += b.confirmed;
        sum.cancelled += b.cancelled;
        for (const [reason, n] of Object.entries(b.cancelledByReason)) sum.cancelledByReason[reason] = (sum.cancelledByReason[reason] ?? 0) + n;
        for (const r of b.revenue) (sum.captured += r.captured), (sum.refunded += r.refunded);
      }
      expect(sum).to.deep.equal(expected);
    }, { timeoutMs: 20_000 });
  });
});
