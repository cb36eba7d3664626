import { expect } from 'chai';
import { call, startStockService, type StockService } from '../../support/stock-service.js';

describe('stock-service operational endpoints', () => {
  let stock: StockService;

  before(async () => {
    stock = await startStockService({ worker: false });
  });

  after(async () => {
    await stock.close();
  });

  it('is alive and ready when Postgres and NATS answer', async () => {
    expect((await call(stock.api.url, 'GET', '/healthz')).status).to.equal(200);
    const ready = await call(stock.api.url, 'GET', '/readyz');
    expect(ready.status).to.equal(200);
    expect(ready.body).to.deep.equal({ status: 'ready', checks: { database: true, nats: true } });
  });

  it('serves an OpenAPI document built from the route schemas, and a docs page', async () => {
    const doc = await call(stock.api.url, 'GET', '/openapi.json');
    expect(doc.body.openapi).to.equal('3.1.0');
    const post = doc.body.paths['/products'].post;
    expect(post.requestBody.content['application/json'].schema.required).to.deep.equal(['sku', 'name', 'price', 'onHand']);
    expect(doc.body.paths['/products/{sku}'].get.parameters[0]).to.include({ name: 'sku', in: 'path', required: true });
    const docs = await fetch(`${stock.api.url}/docs`);
    expect(docs.headers.get('content-type')).to.match(/text\/html/);
    // Swagger UI, served by the api itself (no CDN): every file the page names is here
    const page = await docs.text();
    const assets = [...page.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).to.include.members(['/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css']);
    for (const asset of assets) expect((await fetch(`${stock.api.url}${asset}`)).status, asset).to.equal(200);
    expect((await fetch(`${stock.api.url}/docs/assets/package.json`)).status).to.equal(404);
  });

  it('counts requests per route in Prometheus format', async () => {
    await call(stock.api.url, 'GET', '/products/NOPE');
    const metrics = await (await fetch(`${stock.api.url}/metrics`)).text();
    expect(metrics).to.match(/http_requests_total\{method="GET",route="\/products\/:sku",status="404",status_class="4xx",service="stock-service",process="api"\} \d+/);
  });

  it('echoes a request id, and answers an unknown route and a wrong method with problem+json', async () => {
    const response = await call(stock.api.url, 'GET', '/nowhere', undefined, { 'x-request-id': 'req-123' });
    expect(response.status).to.equal(404);
    expect(response.headers.get('x-request-id')).to.equal('req-123');
    expect(response.body.requestId).to.equal('req-123');
    const wrong = await call(stock.api.url, 'DELETE', '/products');
    expect(wrong.status).to.equal(405);
    expect(wrong.headers.get('content-type')).to.match(/^application\/problem\+json/);
  });
});
