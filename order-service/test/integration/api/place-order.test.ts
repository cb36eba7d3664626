import { expect } from 'chai';
import { asCustomer, call as callAnyone, startServiceUnderTest, eventually, readStream, settled, uniqueNamespace } from '@order-platform/shared/testing';
import { descriptor as stockDescriptor } from 'stock-service/descriptor';
import { startApi as startStockApi } from 'stock-service/api';
import { startWorker as startStockWorker } from 'stock-service/worker';
import { loadApiConfig as loadStockApiConfig, loadWorkerConfig as loadStockWorkerConfig } from 'stock-service/config';
import { call, orderBody, startOrderService, type OrderService } from '../../support/order-service.js';

describe('placing an order (catalog from stock-service, order-service API)', function () {
  this.timeout(60_000);
  let orders: OrderService;
  let stock: Awaited<ReturnType<typeof startServiceUnderTest>>;

  before(async () => {
    const namespace = uniqueNamespace('placeorder');
    stock = await startServiceUnderTest({
      descriptor: stockDescriptor,
      loadApiConfig: loadStockApiConfig,
      loadWorkerConfig: loadStockWorkerConfig,
      startApi: startStockApi,
      startWorker: startStockWorker,
      namespace,
    });
    orders = await startOrderService({ namespace });
    await createProduct({ sku: 'KETTLE-1', name: 'Kettle', price: { amount: 2599, currency: 'EUR' }, onHand: 100 });
    await createProduct({ sku: 'MUG-1', name: 'Mug', price: { amount: 450, currency: 'EUR' }, onHand: 100 });
    await createProduct({ sku: 'RETIRED-1', name: 'Old', price: { amount: 100, currency: 'EUR' }, onHand: 1 });
    await call(stock.api.url, 'PATCH', '/products/RETIRED-1', { active: false });
    await call(stock.api.url, 'POST', '/products', { sku: 'DOLLAR-1', name: 'Import', price: { amount: 1000, currency: 'USD' }, onHand: 5 });
    await eventually(async () => expect((await placeOrder(orderBody({ items: [{ sku: 'DOLLAR-1', quantity: 1 }] }))).status).to.equal(202), { timeoutMs: 15_000 });
  });

  after(async () => {
    await orders?.close();
    await stock?.close();
  });

  async function createProduct(body: object) {
    expect((await call(stock.api.url, 'POST', '/products', body)).status).to.equal(201);
  }

  function placeOrder(body: unknown, headers: Record<string, string> = {}) {
    return call(orders.api.url, 'POST', '/orders', body, headers);
  }

  async function orderCount(): Promise<number> {
    const [row] = await orders.api.resources.db('orders').count<{ count: number }[]>('* as count');
    return Number(row!.count);
  }

  async function createdEvents(orderId: string) {
    const messages = await readStream(orders.api.resources.nc, orders.topology.stream('ORDERS'), orders.topology.subject('orders.created'));
    return messages.filter((m) => m.headers['ce-subject'] === orderId);
  }

  it('accepts an order for a product created over HTTP, at the catalog price, with the total computed server-side', async () => {
    const response = await placeOrder(orderBody({ items: [{ sku: 'KETTLE-1', quantity: 2 }, { sku: 'MUG-1', quantity: 3 }] }));
    expect(response.status).to.equal(202);
    const order = response.body;
    expect(response.headers.get('location')).to.equal(`/orders/${order.id}`);
    expect(order).to.include({ customerId: 'customer-1', status: 'pending', cancellationReason: null });
    expect(order.items).to.deep.equal([
      { sku: 'KETTLE-1', quantity: 2, unitPrice: { amount: 2599, currency: 'EUR' } },
      { sku: 'MUG-1', quantity: 3, unitPrice: { amount: 450, currency: 'EUR' } },
    ]);
    expect(order.total).to.deep.equal({ amount: 2 * 2599 + 3 * 450, currency: 'EUR' });
    expect((await call(orders.api.url, 'GET', `/orders/${order.id}`)).body).to.deep.equal(order);

    const [event, ...more] = await eventually(async () => {
      const found = await createdEvents(order.id);
      expect(found).to.have.length(1);
      return found;
    });
    expect(more).to.deep.equal([]);
    expect(event!.headers).to.include({ 'ce-type': 'orders.created', 'ce-source': '/order-service', 'ce-subject': order.id });
    expect(event!.data).to.deep.include({ orderId: order.id, customerId: 'customer-1', total: order.total, items: order.items, payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' } });
  });

  it('ignores any price the client sends: an unknown field is refused outright', async () => {
    const response = await placeOrder(orderBody({ items: [{ sku: 'KETTLE-1', quantity: 1, unitPrice: { amount: 1, currency: 'EUR' } }] }));
    expect(response.status).to.equal(400);
    expect(response.body.errors).to.deep.include({ path: '/items/0', message: 'must NOT have additional properties: unitPrice' });
  });

  it('refuses an unknown sku and an inactive one with 422 naming them, and records nothing', async () => {
    const before = await orderCount();
    const unknown = await placeOrder(orderBody({ items: [{ sku: 'KETTLE-1', quantity: 1 }, { sku: 'GHOST-9', quantity: 1 }] }));
    expect(unknown.status).to.equal(422);
    expect(unknown.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(unknown.body).to.include({ reason: 'unknown_sku' });
    expect(unknown.body.skus).to.deep.equal(['GHOST-9']);
    const inactive = await placeOrder(orderBody({ items: [{ sku: 'RETIRED-1', quantity: 1 }] }));
    expect(inactive.status).to.equal(422);
    expect(inactive.body).to.include({ reason: 'inactive_sku' });
    const mixed = await placeOrder(orderBody({ items: [{ sku: 'KETTLE-1', quantity: 1 }, { sku: 'DOLLAR-1', quantity: 1 }] }));
    expect(mixed.status).to.equal(422);
    expect(mixed.body).to.include({ reason: 'mixed_currencies' });
    expect(await orderCount()).to.equal(before);
  });

  it('rejects bad bodies with 400, 413 or 415 problem+json, never 5xx', async () => {
    const cases: [string, unknown, number, Record<string, string>?][] = [
      ['missing customerId', { items: [{ sku: 'KETTLE-1', quantity: 1 }], payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' } }, 400],
      ['missing items', orderBody({ items: undefined }), 400],
      ['empty items', orderBody({ items: [] }), 400],
      ['zero quantity', orderBody({ items: [{ sku: 'KETTLE-1', quantity: 0 }] }), 400],
      ['negative quantity', orderBody({ items: [{ sku: 'KETTLE-1', quantity: -2 }] }), 400],
      ['fractional quantity', orderBody({ items: [{ sku: 'KETTLE-1', quantity: 1.5 }] }), 400],
      ['quantity as string', orderBody({ items: [{ sku: 'KETTLE-1', quantity: '2' }] }), 400],
      ['customerId as number', orderBody({ customerId: 42 }), 400],
      ['unknown payment method', orderBody({ payment: { method: 'cash', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' } }), 400],
      ['a card token instead of a payment method', orderBody({ payment: { method: 'card', token: 'tok_ok' } }), 400],
      ['a card token next to the payment method', orderBody({ payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5', token: 'tok_ok' } }), 400],
      ['a malformed payment method id', orderBody({ payment: { method: 'card', paymentMethodId: 'tok_ok' } }), 400],
      ['unknown top-level field', orderBody({ coupon: 'FREE' }), 400],
      ['array body', [orderBody()], 400],
      ['malformed JSON', '{"customerId": "c1", "items": [', 400],
      ['oversize body', orderBody({ customerId: 'c'.repeat(100_000) }), 413],
      ['text body', 'hello', 415, { 'content-type': 'text/plain' }],
    ];
    for (const [what, body, status, headers] of cases) {
      const response = await placeOrder(body, headers);
      expect(response.status, what).to.equal(status);
      expect(response.headers.get('content-type'), what).to.match(/^application\/problem\+json/);
      expect(response.body, what).to.include({ status });
    }
  });

  it('answers a retry with the same Idempotency-Key and body with the first order, and publishes one orders.created', async () => {
    const key = `key-${Date.now()}`;
    const first = await placeOrder(orderBody(), { 'Idempotency-Key': key });
    const [second, third] = await Promise.all([placeOrder(orderBody(), { 'Idempotency-Key': key }), placeOrder(orderBody(), { 'Idempotency-Key': key })]);
    expect(first.status).to.equal(202);
    for (const retry of [second, third]) {
      expect(retry.status).to.equal(202);
      expect(retry.body).to.deep.equal(first.body);
      expect(retry.headers.get('idempotent-replayed')).to.equal('true');
    }
    await eventually(async () => expect(await createdEvents(first.body.id)).to.have.length(1));
    await settled(orders.api.resources.nc, orders.topology, { db: orders.api.resources.db }); // every outbox row published
    expect(await createdEvents(first.body.id)).to.have.length(1);
    const ids = await orders.api.resources.db('idempotency_keys').where({ key }).select('order_id');
    expect(ids).to.deep.equal([{ order_id: first.body.id }]);
  });

  it('refuses the same Idempotency-Key with another body with 422', async () => {
    const key = `key-other-${Date.now()}`;
    expect((await placeOrder(orderBody(), { 'Idempotency-Key': key })).status).to.equal(202);
    const other = await placeOrder(orderBody({ items: [{ sku: 'MUG-1', quantity: 1 }] }), { 'Idempotency-Key': key });
    expect(other.status).to.equal(422);
    expect(other.body).to.include({ reason: 'idempotency_key_reused' });
  });

  it('races many first requests with one key into a single order', async () => {
    const key = `key-race-${Date.now()}`;
    const responses = await Promise.all(Array.from({ length: 10 }, () => placeOrder(orderBody({ customerId: 'racer' }), { 'Idempotency-Key': key })));
    expect(responses.map((r) => r.status)).to.deep.equal(Array(10).fill(202));
    expect(new Set(responses.map((r) => r.body.id)).size).to.equal(1);
    const rows = await orders.api.resources.db('orders').where({ customer_id: 'racer' });
    expect(rows).to.have.length(1);
  });

  it("scopes an Idempotency-Key to its caller: another customer's same key and body place their own order, never return the first", async () => {
    const key = `key-shared-${Date.now()}`;
    const body = { items: [{ sku: 'KETTLE-1', quantity: 1 }], payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' } };
    const ada = await callAnyone(orders.api.url, 'POST', '/orders', body, { ...(await asCustomer('cust-ada')), 'Idempotency-Key': key });
    const grace = await callAnyone(orders.api.url, 'POST', '/orders', body, { ...(await asCustomer('cust-grace')), 'Idempotency-Key': key });
    expect([ada.status, grace.status]).to.deep.equal([202, 202]);
    expect(grace.headers.get('idempotent-replayed')).to.equal(null);
    expect(grace.body.id).to.not.equal(ada.body.id);
    expect(grace.body.customerId).to.equal('cust-grace');
    // and a key one customer used is no obstacle to another's different request
    const other = await callAnyone(orders.api.url, 'POST', '/orders', { ...body, items: [{ sku: 'MUG-1', quantity: 1 }] }, { ...(await asCustomer('cust-alan')), 'Idempotency-Key': key });
    expect(other.status).to.equal(202);
  });

  it('forgets an Idempotency-Key after its retention: the same request then places a new order', async () => {
    const key = `key-old-${Date.now()}`;
    const first = await placeOrder(orderBody(), { 'Idempotency-Key': key });
    await orders.api.resources.db('idempotency_keys').where({ key }).update({ created_at: new Date(Date.now() - 25 * 3600_000) });
    const later = await placeOrder(orderBody(), { 'Idempotency-Key': key });
    expect(later.status).to.equal(202);
    expect(later.body.id).to.not.equal(first.body.id);
    expect(await orders.api.resources.db('idempotency_keys').where({ key }).select('order_id')).to.deep.equal([{ order_id: later.body.id }]);
  });
  it("prices an order at a product's new price once its stock.product-changed reached the catalog, though this api had read the old one", async () => {
    await createProduct({ sku: 'LAMP-1', name: 'Lamp', price: { amount: 3900, currency: 'EUR' }, onHand: 10 });
    const lamp = orderBody({ items: [{ sku: 'LAMP-1', quantity: 1 }] });
    const first = await eventually(async () => {
      const response = await placeOrder(lamp);
      expect(response.status).to.equal(202);
      return response;
    }, { timeoutMs: 15_000 });
    expect(first.body.total).to.deep.equal({ amount: 3900, currency: 'EUR' });
    expect((await call(stock.api.url, 'PATCH', '/products/LAMP-1', { price: { amount: 4200, currency: 'EUR' } })).status).to.equal(200);
    await eventually(async () => expect(Number((await orders.api.resources.db('catalog').where({ sku: 'LAMP-1' }).first()).price_amount)).to.equal(4200), { timeoutMs: 15_000 });
    const second = await placeOrder(lamp);
    expect(second.status).to.equal(202);
    expect(second.body.items).to.deep.equal([{ sku: 'LAMP-1', quantity: 1, unitPrice: { amount: 4200, currency: 'EUR' } }]);
    expect(second.body.total).to.deep.equal({ amount: 4200, currency: 'EUR' });
  });
});
