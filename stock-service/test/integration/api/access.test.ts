import { expectAnswer, principals } from '@order-platform/shared/testing';
import { kettle, startStockService, type StockService } from '../../support/stock-service.js';

describe('stock-service: who may call which route', () => {
  let stock: StockService;
  let as: Awaited<ReturnType<typeof principals>>;

  before(async () => {
    stock = await startStockService({ worker: false });
    as = await principals();
  });

  after(async () => {
    await stock?.close();
  });

  it('managing the catalog is for staff: 401 without a token, 403 for a customer or a token without a role, 2xx for admin', async () => {
    const routes = [
      ['POST', '/products', kettle({ sku: 'ACL-1' }), 201],
      ['PATCH', '/products/ACL-1', { price: { amount: 1, currency: 'EUR' } }, 200],
      ['POST', '/products/ACL-1/restock', { quantity: 5 }, 200],
    ] as const;
    for (const [method, path, body, ok] of routes) {
      await expectAnswer(stock.api.url, method, path, as.none, 401, body);
      await expectAnswer(stock.api.url, method, path, as.noRole, 403, body);
      await expectAnswer(stock.api.url, method, path, as.ada, 403, body);
      await expectAnswer(stock.api.url, method, path, as.admin, ok, body);
    }
  });

  it('reading the catalog is open to anyone, with or without a token', async () => {
    for (const path of ['/products', '/products/ACL-1']) {
      for (const auth of [as.none, as.ada, as.admin]) await expectAnswer(stock.api.url, 'GET', path, auth, 200);
    }
    // a token that is sent is still checked
    await expectAnswer(stock.api.url, 'GET', '/products', { authorization: 'Bearer forged.token.here' }, 401);
  });
});
