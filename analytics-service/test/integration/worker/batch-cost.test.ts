import { expect } from 'chai';
import pg from 'pg';
import { publishAll, settled, startAnalyticsService, type AnalyticsService, type Published } from '../../support/analytics-service.js';

/**
 * Round trips to Postgres are what the worker's batches cost (issue 10: one insert per event and
 * one upsert per order fact, each its own round trip). Counted where every statement passes,
 * pg's `Client#query`, per connection: a batch is the statements from its BEGIN to its COMMIT on
 * the connection that recorded its messages as processed.
 */
const sent: Array<{ client: pg.Client; text: string }> = [];

/** pg's `Client#query`, recording what passes; installed for this suite only (other suites patch the same method). */
function recording(original: typeof pg.Client.prototype.query): typeof pg.Client.prototype.query {
  return function (this: pg.Client, ...args: unknown[]) {
    const [first] = args as [string | { text: string }];
    sent.push({ client: this, text: typeof first === 'string' ? first : first.text });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
}

/** The transactions of `statements` that recorded processed messages: the consumer's batches, each its statements in order. */
function batches(statements: typeof sent): string[][] {
  const open = new Map<pg.Client, string[]>();
  const found: string[][] = [];
  for (const { client, text } of statements) {
    const line = text.replace(/\s+/g, ' ').trim().slice(0, 70);
    if (/^begin/i.test(line)) open.set(client, []);
    const transaction = open.get(client);
    if (!transaction) continue;
    transaction.push(line);
    if (/^(commit|rollback)/i.test(line)) {
      open.delete(client);
      if (transaction.some((s) => s.includes('insert into processed_messages'))) found.push(transaction);
    }
  }
  return found;
}

describe('analytics-service worker: a batch costs a few round trips to Postgres, however many events it holds', function () {
  this.timeout(60_000);
  let analytics: AnalyticsService;
  let query: typeof pg.Client.prototype.query | undefined;

  before(async () => {
    query = pg.Client.prototype.query;
    pg.Client.prototype.query = recording(query);
    analytics = await startAnalyticsService({ worker: false, env: { CONSUMER_BATCH_SIZE: '50', CONSUMER_FLUSH_WAIT_MS: '200' } });
  });

  after(async () => {
    if (query) pg.Client.prototype.query = query;
    await analytics?.close();
  });

  it('40 orders placed and 40 low-stock alerts (of 10 products): per batch, begin, processed messages with the locks, one insert per table, commit', async () => {
    const placed: Published[] = Array.from({ length: 40 }, (_, i) => {
      const orderId = crypto.randomUUID();
      const total = { amount: 100 + i, currency: 'EUR' };
      const items = [{ sku: 'KETTLE-1', quantity: 1, unitPrice: total }];
      const data = { orderId, customerId: `cust-${i}`, items, total, payment: { method: 'card' as const, paymentMethodId: `pm_${crypto.randomUUID()}` }, createdAt: new Date().toISOString() };
      return { type: 'orders.created', id: crypto.randomUUID(), data };
    });
    const alerts: Published[] = Array.from({ length: 40 }, (_, i) => {
      const data = { sku: `SKU-${i % 10}`, name: 'Kettle', available: i, threshold: 50, detectedAt: new Date(Date.now() + i).toISOString() };
      return { type: 'stock.low', id: crypto.randomUUID(), data };
    });
    // published before the worker starts: each consumer's first batch takes all of its 40
    await publishAll(analytics, [...placed, ...alerts]);
    sent.length = 0;
    await analytics.startWorker();
    await settled(analytics);
    const found = batches(sent);
    const listing = found.map((b) => b.join('\n')).join('\n\n');
    expect(found, listing).to.have.length(2);
    const [orders, stock] = found.sort((a, b) => b.length - a.length);
    expect(orders, listing).to.have.length(5);
    expect(orders!.filter((s) => s.startsWith('insert into analytics_')), listing).to.have.length(2);
    expect(stock, listing).to.have.length(5);
    const [counted] = await analytics.api.resources.db('analytics_events').count({ n: '*' });
    expect(Number(counted!['n'])).to.equal(80);
  });
});
