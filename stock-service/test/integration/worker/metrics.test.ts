import { expect } from 'chai';
import { jetstreamManager } from '@nats-io/jetstream';
import { declareTopology, defaultStreamSettings } from '@order-platform/shared';
import { eventually, scrapeMetrics, testLog } from '@order-platform/shared/testing';
import { call, kettle, startStockService, type StockService } from '../../support/stock-service.js';
import { orderCreated, send } from '../../support/orders.js';

const consumer = 'stock-service-orders-created';

describe('stock-service /metrics: worker and api, with real lag and backlog', () => {
  let stock: StockService;
  const worker = () => scrapeMetrics(stock.worker!.metricsUrl);

  before(async () => {
    stock = await startStockService({ env: { CONSUMER_LAG_INTERVAL_MS: '200' } });
    expect((await call(stock.api.url, 'POST', '/products', kettle({ sku: 'LAG', onHand: 100 }))).status).to.equal(201);
  });

  after(async () => {
    await stock.close();
  });

  it('the worker answers /healthz and labels its metrics with service and process', async () => {
    expect((await fetch(`${stock.worker!.metricsUrl}/healthz`)).status).to.equal(200);
    const metrics = await worker();
    expect(metrics.value('process_cpu_user_seconds_total', { service: 'stock-service', process: 'worker' })).to.be.a('number');
    await eventually(async () => expect((await worker()).value('outbox_relay_active')).to.equal(1));
  });

  it('counts every message its handlers cannot finish yet in consumer_lag, then 0 once they are handled and their events published', async () => {
    // count from after the stock.product-changed of the product made in before() went out: read
    // any earlier, it could land within this test's count
    await eventually(async () => {
      const metrics = await worker();
      expect(metrics.value('outbox_published_total')).to.be.at.least(1);
      expect(metrics.value('outbox_backlog')).to.equal(0);
    });
    const published = (await worker()).value('outbox_published_total')!;
    // every reservation of LAG waits for this transaction's row lock
    const lock = await stock.api.resources.db.transaction();
    try {
      await lock('products').where({ sku: 'LAG' }).forUpdate();
      for (let i = 0; i < 20; i++) await send(stock, 'orders.created', orderCreated(`o-lag-${i}`, [['LAG', 1]]));
      await eventually(async () => {
        const metrics = await worker();
        expect(metrics.value('consumer_lag', { consumer })).to.equal(20);
        expect(metrics.value('consumer_num_ack_pending', { consumer })! + metrics.value('consumer_num_pending', { consumer })!).to.equal(20);
        expect(metrics.value('consumer_messages_total', { consumer, outcome: 'handled' }) ?? 0).to.equal(0);
      }, { timeoutMs: 10_000 });
    } finally {
      await lock.commit();
    }
    await eventually(async () => {
      const metrics = await worker();
      expect(metrics.value('consumer_lag', { consumer })).to.equal(0);
      expect(metrics.value('consumer_messages_total', { consumer, outcome: 'handled' })).to.equal(20);
      expect(metrics.value('consumer_handle_seconds_count', { consumer })).to.equal(20);
      expect(metrics.value('outbox_published_total')).to.equal(published + 20); // one stock.reserved each
      expect(metrics.value('outbox_backlog')).to.equal(0);
    }, { timeoutMs: 15_000 });
  });

  it('while its stream is gone, shows the outbox backlog and its age growing and counts failed publishes; drains to 0 when it is back', async () => {
    const nc = stock.api.resources.nc;
    const failures = (await worker()).value('outbox_publish_failures_total') ?? 0;
    await (await jetstreamManager(nc)).streams.delete(stock.topology.stream('STOCK'));
    try {
      for (const sku of ['NEW-1', 'NEW-2']) expect((await call(stock.api.url, 'POST', '/products', kettle({ sku }))).status).to.equal(201);
      await eventually(async () => {
        const metrics = await worker();
        expect(metrics.value('outbox_backlog')).to.equal(2);
        expect(metrics.value('outbox_oldest_unpublished_age_seconds')).to.be.above(1);
        expect(metrics.value('outbox_publish_failures_total')).to.be.at.least(failures + 2);
      }, { timeoutMs: 10_000 });
    } finally {
      await declareTopology(nc, stock.topology, { streams: ['STOCK'], consumers: [] }, defaultStreamSettings, testLog);
    }
    await eventually(async () => {
      const metrics = await worker();
      expect(metrics.value('outbox_backlog')).to.equal(0);
      expect(metrics.value('outbox_oldest_unpublished_age_seconds')).to.equal(0);
    }, { timeoutMs: 10_000 });
  });

  it('the api counts requests by route template and status class', async () => {
    await call(stock.api.url, 'GET', '/products/LAG');
    await call(stock.api.url, 'GET', '/products/NO-SUCH-SKU');
    const api = await scrapeMetrics(stock.api.url);
    expect(api.value('http_requests_total', { method: 'GET', route: '/products/:sku', status: '200', status_class: '2xx' })).to.equal(1);
    expect(api.value('http_requests_total', { method: 'GET', route: '/products/:sku', status_class: '4xx' })).to.equal(1);
    expect(api.value('http_request_duration_seconds_count', { route: '/products/:sku' })).to.equal(2);
    expect(api.text).not.to.contain('NO-SUCH-SKU');
  });
});
