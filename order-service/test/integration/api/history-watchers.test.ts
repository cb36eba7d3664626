import { expect } from 'chai';
import pg from 'pg';
import { asAdmin, eventually, sleep } from '@order-platform/shared/testing';
import { HISTORY_CHANNEL, HISTORY_WATCHERS } from '../../../src/data/history-feed.js';
import { seedCatalog } from '../../support/catalog.js';
import { becomes, facts, placeOrder, report } from '../../support/lifecycle.js';
import { startOrderService, type OrderService } from '../../support/order-service.js';
import { openStream } from '../../support/sse.js';

/**
 * The worker NOTIFYs a transition's order history only while an api watches (HISTORY_WATCHERS):
 * a transition no stream waits for costs no NOTIFY transaction, and a stream opened while a
 * batch is on its way still gets the batch's transition, from the read its feed makes once the
 * batch has committed.
 */
describe('order history notifications only while a stream watches', function () {
  this.timeout(60_000);
  let orders: OrderService;
  let listener: pg.Client;
  const notified: string[] = [];

  before(async () => {
    // the safety re-read out of the way: what a stream shows came through a notification or its feed's first read
    orders = await startOrderService({ env: { SSE_RESYNC_INTERVAL_MS: '60000' } });
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
    // listens without the watchers' locks: it sees the NOTIFYs, and counts as no watcher
    listener = new pg.Client({ connectionString: orders.database.url });
    await listener.connect();
    listener.on('notification', (message) => message.channel === HISTORY_CHANNEL && notified.push(message.payload ?? ''));
    await listener.query(`listen ${HISTORY_CHANNEL}`);
  });

  after(async () => {
    await listener?.end();
    await orders?.close();
  });

  const watchersHeld = async (): Promise<number> =>
    Number(
      (
        await listener.query<{ n: string }>("select count(*) as n from pg_locks where locktype = 'advisory' and classid = $1 and objsubid = 2 and mode = 'ShareLock' and granted", [HISTORY_WATCHERS.space])
      ).rows[0]!.n,
    );

  it('sends no NOTIFY for a transition while no stream is open, and one for each while a stream is', async () => {
    const order = await placeOrder(orders);
    await report(orders, 'stock.reserved', facts.reserved(order.id));
    await becomes(orders, order.id, 'stock_reserved');
    await sleep(300); // a NOTIFY sent after the commit has arrived by now
    expect(notified.filter((id) => id === order.id), 'NOTIFYs with no stream open').to.deep.equal([]);

    const stream = await openStream(orders.api.url, order.id, await asAdmin());
    try {
      await eventually(() => expect(stream.events.map((e) => e.status)).to.deep.equal(['pending', 'stock_reserved']));
      // the api's feed watches: it holds every slot of the watchers' locks, shared
      await eventually(async () => expect(await watchersHeld()).to.equal(HISTORY_WATCHERS.slots));
      await report(orders, 'payments.captured', facts.captured(order.id, order.total.amount));
      await stream.ended;
      expect(stream.events.map((e) => e.status)).to.deep.equal(['pending', 'stock_reserved', 'confirmed']);
      expect(notified.filter((id) => id === order.id), 'NOTIFYs with a stream open').to.deep.equal([order.id]);
    } finally {
      stream.close();
    }
  });

  it("a stream opened while a batch that found no watcher is on its way shows the batch's transition once it commits", async () => {
    const order = await placeOrder(orders);
    // a worker's batch between its prefetch (its slot of the watchers' locks got) and its COMMIT, by hand:
    // its history entry written with the trigger silenced, as the worker writes it, and no NOTIFY
    const batch = new pg.Client({ connectionString: orders.database.url });
    await batch.connect();
    try {
      await batch.query('begin');
      const { rows } = await batch.query<{ got: boolean }>('select pg_try_advisory_xact_lock($1, pg_backend_pid() % $2) as got', [HISTORY_WATCHERS.space, HISTORY_WATCHERS.slots]);
      expect(rows[0]!.got, 'no stream watched before this one').to.equal(true);
      await batch.query("set local order_history.notified_after_commit = 'on'");
      await batch.query("update orders set status = 'stock_reserved' where id = $1", [order.id]);
      await batch.query(
        `insert into order_history (order_id, from_status, to_status, cause, occurred_at) values ($1, 'pending', 'stock_reserved', 'stock.reserved', now())`,
        [order.id],
      );
      const stream = await openStream(orders.api.url, order.id, await asAdmin());
      try {
        await eventually(() => expect(stream.events.map((e) => e.status)).to.deep.equal(['pending']));
        await sleep(300);
        await batch.query('commit');
        // no NOTIFY came; the feed, waiting for the lock, reads the order once it has it
        await eventually(() => expect(stream.events.map((e) => e.status)).to.deep.equal(['pending', 'stock_reserved']), { timeoutMs: 3000 });
        expect(notified.filter((id) => id === order.id)).to.deep.equal([]);
      } finally {
        stream.close();
      }
    } finally {
      await batch.end();
    }
  });
});
