import { expect } from 'chai';
import { createDb, type Knex } from '@order-platform/shared';
import { call, startOrderService, type OrderService } from '../../support/order-service.js';

type Captured = { sql: string; bindings: unknown[] };

/**
 * 10,000 orders (2,000 customers, mostly confirmed or cancelled, a few in flight), their lines,
 * three history entries and two handled events each, loaded with SQL; then every query the
 * operator console's order pages make is captured as the api runs it and explained.
 */
async function loadOrders(owner: Knex): Promise<void> {
  await owner.raw(`
    insert into orders (id, customer_id, status, cancellation_reason, total_amount, currency, created_at, updated_at)
    select gen_random_uuid(), 'cust-' || (i % 2000),
           case when i % 100 = 0 then 'pending' when i % 100 = 1 then 'stock_reserved' when i % 10 = 2 then 'cancelled' else 'confirmed' end,
           case when i % 100 > 1 and i % 10 = 2 then 'out_of_stock' end,
           2599, 'EUR', now() - make_interval(secs => i * 10), now() - make_interval(secs => i * 10 - 1)
      from generate_series(1, 10000) as i`);
  await owner.raw(`insert into order_items (order_id, line, sku, quantity, unit_price_amount, currency) select id, 1, 'KETTLE-1', 1, 2599, 'EUR' from orders`);
  await owner.raw(`
    insert into order_history (order_id, from_status, to_status, cause, occurred_at)
    select id, prev, next, 'test', created_at from orders,
      lateral (values (null, 'pending'), ('pending', 'stock_reserved'), ('stock_reserved', status)) as step(prev, next)`);
  await owner.raw(`
    insert into processed_messages (consumer, message_id, processed_at, subject, entity_id, stream_seq, deliveries)
    select c, gen_random_uuid()::text, created_at, 'stock.reserved', id::text, 1, 1 from orders, unnest(array['order-service-stock-reserved', 'order-service-payments-captured']) as c`);
  await owner.raw('analyze orders, order_items, order_history, processed_messages');
}

/** The plan of a captured query, as knex sent it (positional $n parameters) on a connection of the pool. */
async function explain(db: Knex, query: Captured): Promise<string> {
  const connection = (await db.client.acquireConnection()) as { query(text: string, values: unknown[]): Promise<{ rows: { 'QUERY PLAN': string }[] }> };
  try {
    return (await connection.query(`explain ${query.sql}`, query.bindings)).rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await db.client.releaseConnection(connection);
  }
}

describe('the console order queries use indexes with 10,000 orders', function () {
  this.timeout(60_000);
  let orders: OrderService;
  let owner: Knex;
  const captured: Captured[] = [];
  const capture = (query: Captured) => captured.push({ sql: query.sql, bindings: query.bindings ?? [] });

  before(async () => {
    orders = await startOrderService({ worker: false });
    owner = createDb(orders.database.ownerUrl);
    await loadOrders(owner);
  });

  after(async () => {
    orders.api.resources.db.off('query', capture);
    await owner?.destroy();
    await orders?.close();
  });

  it('explains an index scan, never a sequential scan, for every page: list, status, search by order and customer, next page, one order, its history and records', async () => {
    const some = (await owner('orders').where({ customer_id: 'cust-7' }).orderBy('created_at', 'desc').first('id')) as { id: string };
    orders.api.resources.db.on('query', capture);
    const first = await call(orders.api.url, 'GET', '/orders?limit=20');
    const paths = [
      '/orders?limit=20', '/orders?status=pending', '/orders?status=confirmed', `/orders?q=${some.id}`, '/orders?q=cust-7', '/orders?customerId=cust-7&status=confirmed',
      `/orders?limit=20&cursor=${first.body.nextCursor}`, `/orders/${some.id}`, `/orders/${some.id}/events`, `/admin/orders/${some.id}/records`,
    ];
    for (const path of paths) expect((await call(orders.api.url, 'GET', path)).status, path).to.equal(200);
    orders.api.resources.db.off('query', capture);

    const reads = captured.filter((q) => /^\s*select/i.test(q.sql) && /\b(orders|order_items|order_history|processed_messages)\b/.test(q.sql));
    expect(reads.length).to.be.at.least(paths.length);
    for (const query of reads) {
      const plan = await explain(owner, query);
      if (process.env['SHOW_PLANS']) process.stdout.write(`\n${query.sql}\n${plan}\n`);
      expect(plan, `${query.sql}\n${plan}`).to.match(/Index (Only )?Scan|Bitmap Index Scan/);
      expect(plan, `${query.sql}\n${plan}`).not.to.match(/Seq Scan/);
      // a rare status is found through the index, not by filtering the newest orders one by one
      if (query.bindings[0] === 'pending') expect(plan).to.match(/Index Cond: \(status = 'pending'::text\)/);
    }
  });
});
