import { expect } from 'chai';
import pg from 'pg';
import { splitDatabaseUrl } from '@order-platform/shared';
import { asAdmin, eventually, sleep } from '@order-platform/shared/testing';
import { seedCatalog } from '../../support/catalog.js';
import { call, orderBody, startOrderService, type OrderService } from '../../support/order-service.js';
import { openStream, type OpenedStream } from '../../support/sse.js';

// Postgres publishes a backend's counters up to 10 s after its last transaction
// (PGSTAT_IDLE_INTERVAL): wait that out after opening streams, so the window counts idle load only.
const SETTLE_MS = 11_000;
const WINDOW_MS = 5_000;

interface Load {
  streams: number;
  xacts: number;
  queries: number;
}

describe('order status streams: database load does not grow with the number of open streams', function () {
  this.timeout(120_000);
  let orders: OrderService;
  let stats: pg.Client;
  let queries = 0;

  before(async () => {
    orders = await startOrderService({ worker: false });
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
    orders.api.resources.db.on('query', () => void (queries += 1));
    // from the maintenance database, so reading the counters adds nothing to them
    stats = new pg.Client({ connectionString: splitDatabaseUrl(orders.database.url).maintenanceUrl });
    await stats.connect();
  });

  after(async () => {
    await stats?.end();
    await orders?.close();
  });

  async function committed(): Promise<number> {
    const { rows } = await stats.query<{ xact_commit: string }>('select xact_commit from pg_stat_database where datname = $1', [orders.database.name]);
    return Number(rows[0]!.xact_commit);
  }

  async function idleLoad(streams: OpenedStream[]): Promise<Load> {
    for (const stream of streams) await eventually(() => expect(stream.events.map((e) => e.status)).to.deep.equal(['pending']));
    await sleep(SETTLE_MS);
    const [xacts, count] = [await committed(), queries];
    await sleep(WINDOW_MS);
    return { streams: streams.length, xacts: (await committed()) - xacts, queries: queries - count };
  }

  it('5 vs 100 idle streams on one order: the same committed transactions and queries (one safety read per order, not per stream)', async () => {
    const id = (await call(orders.api.url, 'POST', '/orders', orderBody({ customerId: 'cust-watched' }))).body.id as string;
    // one stream per staff principal, so the per-principal cap stays as configured
    const open = (from: number, to: number) => Promise.all(Array.from({ length: to - from }, async (_, i) => openStream(orders.api.url, id, await asAdmin(`staff-load-${from + i}`))));
    const streams = await open(0, 5);
    try {
      const few = await idleLoad(streams);
      streams.push(...(await open(5, 100)));
      expect(streams.map((s) => s.status)).to.deep.equal(Array(100).fill(200));
      const many = await idleLoad(streams);
      const perSecond = (load: Load) => `${load.streams} streams: ${(load.xacts / (WINDOW_MS / 1000)).toFixed(1)} commits/s, ${(load.queries / (WINDOW_MS / 1000)).toFixed(1)} queries/s from the api`;
      process.stdout.write(`      idle load over ${WINDOW_MS / 1000} s: ${perSecond(few)}; ${perSecond(many)}\n`);
      expect(many.xacts, `${JSON.stringify(few)} vs ${JSON.stringify(many)}`).to.be.at.most(few.xacts * 1.5 + 10);
      expect(many.queries, `${JSON.stringify(few)} vs ${JSON.stringify(many)}`).to.be.at.most(few.queries * 1.5 + 2);
    } finally {
      for (const stream of streams) stream.close();
    }
  });
});
