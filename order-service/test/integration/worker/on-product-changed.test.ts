import { expect } from 'chai';
import { readStream, settled as consumersSettled } from '@order-platform/shared/testing';
import { startOrderService, type OrderService } from '../../support/order-service.js';
import { catalogRow, publishProductChanged } from '../../support/catalog.js';

describe('order-service worker: stock.product-changed', () => {
  let orders: OrderService;

  before(async () => {
    orders = await startOrderService();
  });

  after(async () => {
    await orders.close();
  });

  const settled = () => consumersSettled(orders.api.resources.nc, orders.topology);

  it('adds a new product to the catalog read model', async () => {
    await publishProductChanged(orders, { sku: 'NEW-1', name: 'Teapot', price: { amount: 1800, currency: 'GBP' }, version: 1 });
    const row = await catalogRow(orders, 'NEW-1');
    expect(row).to.include({ name: 'Teapot', price_amount: 1800, currency: 'GBP', active: true, version: 1 });
  });

  it('when a product change is delivered twice, it is applied once', async () => {
    const id = await publishProductChanged(orders, { sku: 'TWICE-1', version: 1 });
    await publishProductChanged(orders, { sku: 'TWICE-1', version: 1 }, { id, msgId: `${id}-redelivered` });
    await settled();
    const processed = await orders.api.resources.db('processed_messages').where({ message_id: id });
    expect(processed).to.have.length(1);
    expect((await catalogRow(orders, 'TWICE-1')).version).to.equal(1);
  });

  it('when an older version arrives after a newer one, the newer one stays', async () => {
    await publishProductChanged(orders, { sku: 'ORDER-1', price: { amount: 500, currency: 'EUR' }, active: false, version: 3 });
    await publishProductChanged(orders, { sku: 'ORDER-1', price: { amount: 400, currency: 'EUR' }, active: true, version: 2 });
    await settled();
    expect(await catalogRow(orders, 'ORDER-1')).to.include({ version: 3, price_amount: 500, active: false });
  });

  it('dead-letters a schema-invalid product change and leaves the catalog alone', async () => {
    await publishProductChanged(orders, { sku: 'BAD-1', price: { amount: -5, currency: 'EUR' } });
    await settled();
    expect(await orders.api.resources.db('catalog').where({ sku: 'BAD-1' })).to.have.length(0);
    const dead = await readStream(orders.api.resources.nc, orders.topology.stream('DLQ'));
    expect(dead.map((m) => m.subject)).to.deep.equal([orders.topology.dlqSubject('order-service', 'order-service-stock-product-changed')]);
    expect(dead[0]!.headers['dlq-error']).to.match(/price\/amount/);
  });
});
