import { expect } from 'chai';
import { eventually, readStream, settled } from '@order-platform/shared/testing';
import { call, kettle, startStockService, type StockService } from '../../support/stock-service.js';

describe('stock-service products API', () => {
  let stock: StockService;
  let url: string;

  before(async () => {
    stock = await startStockService();
    url = stock.api.url;
  });

  after(async () => {
    await stock.close();
  });

  async function productEvents(sku: string) {
    const messages = await readStream(stock.api.resources.nc, stock.topology.stream('STOCK'), stock.topology.subject('stock.product-changed'));
    return messages.filter((m) => m.headers['ce-subject'] === sku);
  }

  it('creates a product with its stock figures and announces it as stock.product-changed', async () => {
    const created = await call(url, 'POST', '/products', kettle());
    expect(created.status).to.equal(201);
    expect(created.headers.get('location')).to.equal('/products/KETTLE-1');
    expect(created.body).to.deep.equal({
      sku: 'KETTLE-1', name: 'Kettle', price: { amount: 2599, currency: 'EUR' },
      onHand: 10, available: 10, reserved: 0, sold: 0, active: true, lowStockThreshold: 2,
    });
    const events = await eventually(async () => {
      const found = await productEvents('KETTLE-1');
      expect(found).to.have.length(1);
      return found;
    });
    expect(events[0]!.headers['ce-source']).to.equal('/stock-service');
    expect(events[0]!.data).to.deep.include({ sku: 'KETTLE-1', name: 'Kettle', price: { amount: 2599, currency: 'EUR' }, active: true, version: 1 });
    expect((await call(url, 'GET', '/products/KETTLE-1')).body).to.deep.equal(created.body);
  });

  it('refuses a second product with the same sku with 409, and announces nothing', async () => {
    await call(url, 'POST', '/products', kettle({ sku: 'DUP-1' }));
    const again = await call(url, 'POST', '/products', kettle({ sku: 'DUP-1', name: 'Other' }));
    expect(again.status).to.equal(409);
    expect(again.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(again.body).to.include({ status: 409, title: 'Conflict' });
    await eventually(async () => expect(await productEvents('DUP-1')).to.have.length(1));
    await settled(stock.api.resources.nc, stock.topology, { db: stock.api.resources.db }); // every outbox row published
    expect(await productEvents('DUP-1')).to.have.length(1);
  });

  it('announces each real change with a higher version, and nothing for a change that changes nothing', async () => {
    await call(url, 'POST', '/products', kettle({ sku: 'MUG-1', name: 'Mug' }));
    const patched = await call(url, 'PATCH', '/products/MUG-1', { price: { amount: 999, currency: 'EUR' }, active: false });
    expect(patched.status).to.equal(200);
    expect(patched.body).to.include({ active: false });
    expect(patched.body.price).to.deep.equal({ amount: 999, currency: 'EUR' });
    const same = await call(url, 'PATCH', '/products/MUG-1', { active: false });
    expect(same.status).to.equal(200);
    await eventually(async () => {
      const events = await productEvents('MUG-1');
      expect(events.map((e) => (e.data as { version: number }).version)).to.deep.equal([1, 2]);
      expect(events[1]!.data).to.deep.include({ active: false, price: { amount: 999, currency: 'EUR' } });
    });
  });

  it('restocks: available and on hand grow by the quantity', async () => {
    await call(url, 'POST', '/products', kettle({ sku: 'PAN-1', onHand: 3 }));
    const restocked = await call(url, 'POST', '/products/PAN-1/restock', { quantity: 7 });
    expect(restocked.status).to.equal(200);
    expect(restocked.body).to.include({ onHand: 10, available: 10, reserved: 0, sold: 0 });
  });

  it('answers 404 problem+json for an unknown product, on read, change and restock', async () => {
    for (const [method, path, body] of [['GET', '/products/NOPE'], ['PATCH', '/products/NOPE', { active: false }], ['POST', '/products/NOPE/restock', { quantity: 1 }]] as const) {
      const response = await call(url, method, path, body);
      expect(response.status, `${method} ${path}`).to.equal(404);
      expect(response.body).to.include({ status: 404, instance: path });
    }
  });

  it('rejects bad bodies with 400, 413 or 415 problem+json, never 5xx', async () => {
    const cases: [string, unknown, number, Record<string, string>?][] = [
      ['missing fields', { sku: 'X-1' }, 400],
      ['wrong types', kettle({ onHand: 'ten' }), 400],
      ['negative stock', kettle({ onHand: -1 }), 400],
      ['float money', kettle({ price: { amount: 25.99, currency: 'EUR' } }), 400],
      ['bad currency', kettle({ price: { amount: 2599, currency: 'euro' } }), 400],
      ['unknown field', kettle({ colour: 'red' }), 400],
      ['bad sku', kettle({ sku: 'has space' }), 400],
      ['malformed JSON', '{"sku": "X-1",', 400],
      ['oversize body', kettle({ name: 'x'.repeat(100_000) }), 413],
      ['not JSON', 'sku=X-1', 415, { 'content-type': 'application/x-www-form-urlencoded' }],
    ];
    for (const [what, body, status, headers] of cases) {
      const response = await call(url, 'POST', '/products', body, headers);
      expect(response.status, what).to.equal(status);
      expect(response.headers.get('content-type'), what).to.match(/^application\/problem\+json/);
      expect(response.body.status, what).to.equal(status);
    }
    const empty = await call(url, 'PATCH', '/products/KETTLE-1', {});
    expect(empty.status).to.equal(400);
    const zero = await call(url, 'POST', '/products/KETTLE-1/restock', { quantity: 0 });
    expect(zero.status).to.equal(400);
  });

  it('lists products in sku order, a page at a time', async () => {
    for (const sku of ['LIST-A', 'LIST-B', 'LIST-C']) await call(url, 'POST', '/products', kettle({ sku }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { sku: string }[]; nextCursor: string | null } } = await call(url, 'GET', `/products?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).to.equal(200);
      expect(page.body.items.length).to.be.at.most(2);
      seen.push(...page.body.items.map((p) => p.sku));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).to.deep.equal([...seen].sort());
    expect(seen).to.include.members(['LIST-A', 'LIST-B', 'LIST-C']);
    expect((await call(url, 'GET', '/products?limit=0')).status).to.equal(400);
  });
});
