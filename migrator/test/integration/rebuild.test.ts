import { expect } from 'chai';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Knex } from '@order-platform/shared';
import { eventually, settled, testLog } from '@order-platform/shared/testing';
import { descriptor as orderDescriptor } from 'order-service/descriptor';
import { rebuildReadModel } from '../../src/replay/rebuild.js';
import { call, orderCreated, publish, runReplayTool, startAnalytics, startOrders, type Sut } from '../support/read-models.js';

describe('rebuild: a read model emptied and replayed from the start equals the one it replaced', () => {
  let analytics: Sut | undefined;
  let orders: Sut | undefined;

  after(async () => {
    await analytics?.close();
    await orders?.close();
  });

  const rows = (db: Knex, table: string, orderBy: string) => db(table).orderBy(orderBy);

  it('analytics-service (make rebuild SERVICE=analytics-service): every figure, event and order fact is the same', async () => {
    analytics = await startAnalytics();
    const sut = analytics;
    for (let minute = 1; minute <= 4; minute++) {
      const created = orderCreated(minute);
      await publish(sut, 'orders.created', created, created.orderId);
      const { orderId, customerId, items, total } = created;
      const confirmedAt = new Date(Date.parse(created.createdAt) + minute * 1000).toISOString();
      if (minute % 2 === 0) await publish(sut, 'orders.confirmed', { orderId, customerId, items, total, confirmedAt }, orderId);
      else await publish(sut, 'orders.cancelled', { orderId, customerId, items, total, reason: 'out_of_stock', previousStatus: 'pending', cancelledAt: confirmedAt }, orderId);
      await publish(sut, 'payments.captured', { orderId, paymentId: crypto.randomUUID(), amount: total, capturedAt: confirmedAt }, orderId);
    }
    await publish(sut, 'stock.low', { sku: 'KETTLE-1', name: 'Kettle', available: 1, threshold: 5, detectedAt: orderCreated(5).createdAt }, 'KETTLE-1');
    await settled(sut.api.resources.nc, sut.topology);
    const db = sut.api.resources.db;
    const snapshot = async () => ({
      today: (await call(sut.api.url, 'GET', '/analytics/today')).body,
      recent: (await call(sut.api.url, 'GET', '/analytics/events/recent?limit=200')).body,
      orders: await rows(db, 'analytics_orders', 'order_id'),
      lowStock: await rows(db, 'analytics_low_stock', 'sku'),
    });
    const before = await snapshot();
    expect(before.today.orders).to.deep.include({ placed: 4, confirmed: 2, cancelled: 2 });

    // damage the read model: the rebuild recomputes it from the events alone
    await db('analytics_orders').where({ order_id: before.orders[0].order_id }).del();
    await db('analytics_low_stock').update({ available: 99 });

    const { code, output } = await runReplayTool(sut, ['rebuild', 'analytics-service']);
    expect(code, output).to.equal(0);
    expect(output).to.include('analytics-service: emptied analytics_events, analytics_orders, analytics_low_stock; replaying');
    await eventually(async () => expect(await snapshot()).to.deep.equal(before), { timeoutMs: 20_000 });
    // every event applied again, none skipped: their processed rows went with the tables
    const [processed] = await db('processed_messages').count({ n: '*' });
    expect(Number(processed!['n'])).to.equal(13);
  });

  it("order-service's catalog (make rebuild SERVICE=order-service): every product row is the same", async () => {
    orders = await startOrders();
    const sut = orders;
    const product = (sku: string, version: number, active = true) => ({
      sku, name: `Product ${sku}`, price: { amount: 1000 + version, currency: 'EUR' }, active, version, changedAt: new Date(Date.now() + version).toISOString(),
    });
    for (const change of [product('A-1', 1), product('B-1', 1), product('A-1', 2), product('C-1', 1, false), product('A-1', 3)]) {
      await publish(sut, 'stock.product-changed', change, change.sku);
    }
    await settled(sut.api.resources.nc, sut.topology);
    const db = sut.api.resources.db;
    const before = await rows(db, 'catalog', 'sku');
    expect(before.map((p: { sku: string; version: number }) => [p.sku, p.version])).to.deep.equal([['A-1', 3], ['B-1', 1], ['C-1', 1]]);

    // a row the events do not explain (as a bad hand edit or a bug would leave): only a rebuild from nothing drops it
    await db('catalog').where({ sku: 'A-1' }).update({ name: 'stale', version: 99 });

    const result = await rebuildReadModel(orderDescriptor, { databaseUrl: sut.database.ownerUrl, nc: sut.api.resources.nc, topology: sut.topology, log: testLog });
    expect(result.consumers.map((c) => [c.durable, c.pending])).to.deep.equal([['order-service-stock-product-changed', 5]]);
    await eventually(async () => expect(await rows(db, 'catalog', 'sku')).to.deep.equal(before), { timeoutMs: 20_000 });
  });

  it('refuses to rebuild from a stream that has already dropped messages, unless forced', async () => {
    const sut = orders!;
    const jsm = await jetstreamManager(sut.api.resources.nc);
    await jsm.streams.purge(sut.topology.stream('STOCK'), { seq: 2 }); // as max_age would drop the oldest
    const options = { databaseUrl: sut.database.ownerUrl, nc: sut.api.resources.nc, topology: sut.topology, log: testLog };
    let refusal: Error | undefined;
    await rebuildReadModel(orderDescriptor, options).catch((error: Error) => (refusal = error));
    expect(refusal?.message).to.match(/stream .*STOCK no longer holds its first 1 messages/);
    expect(await rows(sut.api.resources.db, 'catalog', 'sku')).to.have.length(3); // untouched
    const forced = await rebuildReadModel(orderDescriptor, { ...options, force: true });
    expect(forced.consumers[0]!.pending).to.equal(4);
  });
});
