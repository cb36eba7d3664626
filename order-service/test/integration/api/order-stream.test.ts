import { expect } from 'chai';
import pg from 'pg';
import { asAdmin, asCustomer, eventually, testLog } from '@order-platform/shared/testing';
import { startApi } from '../../../src/api/app.js';
import { FEED_LISTEN, FEED_UNLISTEN } from '../../../src/data/history-feed.js';
import { loadApiConfig } from '../../../src/config.js';
import { seedCatalog } from '../../support/catalog.js';
import { call, orderBody, startOrderService, type OrderService } from '../../support/order-service.js';
import { openStream, type OpenedStream } from '../../support/sse.js';

async function placeFor(orders: OrderService, customerId: string): Promise<string> {
  const response = await call(orders.api.url, 'POST', '/orders', orderBody({ customerId }));
  expect(response.status).to.equal(202);
  return response.body.id as string;
}

const statuses = (stream: OpenedStream) => stream.events.map((e) => e.status);

async function sql<T extends pg.QueryResultRow>(orders: OrderService, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: orders.database.url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('order status streams: a cap per caller, and one change feed per process', () => {
  let orders: OrderService;

  before(async () => {
    // the safety re-read out of the way: whatever arrives here came through a notification
    orders = await startOrderService({ worker: false, env: { SSE_MAX_STREAMS_PER_PRINCIPAL: '5', SSE_RESYNC_INTERVAL_MS: '60000' } });
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
  });

  after(async () => {
    await orders?.close();
  });

  it('600 streams from one customer: the 5 under the cap work, every one past it is 429 problem+json', async () => {
    const id = await placeFor(orders, 'cust-many');
    const auth = await asCustomer('cust-many');
    const streams = await Promise.all(Array.from({ length: 600 }, () => openStream(orders.api.url, id, auth)));
    try {
      const accepted = streams.filter((s) => s.status === 200);
      const refused = streams.filter((s) => s.status !== 200);
      expect(accepted).to.have.length(5);
      expect(refused).to.have.length(595);
      for (const stream of refused) {
        expect(stream.status).to.equal(429);
        expect(stream.contentType).to.match(/^application\/problem\+json/);
        expect(stream.problem).to.include({ status: 429, maxStreams: 5 });
      }
      for (const stream of accepted) await eventually(() => expect(statuses(stream)).to.deep.equal(['pending']));
      // another customer has slots of their own
      const other = await openStream(orders.api.url, await placeFor(orders, 'cust-other'), await asCustomer('cust-other'));
      expect(other.status).to.equal(200);
      other.close();
    } finally {
      for (const stream of streams) stream.close();
    }
    // a closed stream gives its slot back
    await eventually(async () => {
      const again = await openStream(orders.api.url, id, auth);
      again.close();
      expect(again.status).to.equal(200);
    });
  });

  it('fans every transition out, in order with its id, to each stream of an order, from its own Last-Event-ID, and ends them at the terminal status', async () => {
    const id = await placeFor(orders, 'cust-fan');
    const admin = await asAdmin();
    const first = await openStream(orders.api.url, id, admin);
    await eventually(() => expect(statuses(first)).to.deep.equal(['pending']));
    const second = await openStream(orders.api.url, id, await asCustomer('cust-fan'));
    const resumed = await openStream(orders.api.url, id, admin, first.events[0]!.id);
    expect((await call(orders.api.url, 'POST', `/orders/${id}/cancel`)).status).to.equal(202);
    await Promise.all([first.ended, second.ended, resumed.ended]);
    expect(statuses(first)).to.deep.equal(['pending', 'cancelled']);
    expect(second.events).to.deep.equal(first.events);
    expect(resumed.events).to.deep.equal(first.events.slice(1));
    expect(first.events[1]!.id).to.be.greaterThan(first.events[0]!.id);
  });

  it('answers 204 to a resume past the terminal status (EventSource stops), 400 to an id that is not one', async () => {
    const id = await placeFor(orders, 'cust-done');
    await call(orders.api.url, 'POST', `/orders/${id}/cancel`);
    const whole = await openStream(orders.api.url, id, await asAdmin());
    await whole.ended;
    expect(statuses(whole)).to.deep.equal(['pending', 'cancelled']);
    expect((await openStream(orders.api.url, id, await asAdmin(), whole.events[1]!.id)).status).to.equal(204);
    const bad = await openStream(orders.api.url, id, await asAdmin(), 'abc');
    expect(bad.status).to.equal(400);
    expect(bad.contentType).to.match(/^application\/problem\+json/);
  });

  it('LISTENs only while a stream is open, so transitions nobody watches wake nothing; a stream opened later still sees each one at once', async () => {
    const feedQuery = async () => (await sql<{ query: string }>(orders, "select query from pg_stat_activity where application_name = 'order-history-feed' and datname = current_database()"))[0]?.query;
    // every stream of the tests before is closed
    await eventually(async () => expect(await feedQuery()).to.be.oneOf(['', FEED_UNLISTEN]));
    const id = await placeFor(orders, 'cust-quiet');
    const stream = await openStream(orders.api.url, id, await asAdmin());
    await eventually(() => expect(statuses(stream)).to.deep.equal(['pending']));
    expect(await feedQuery()).to.equal(FEED_LISTEN);
    stream.close();
    await eventually(async () => expect(await feedQuery()).to.equal(FEED_UNLISTEN));
    // the safety re-read is a minute away: only the LISTEN taken again brings this at once
    const later = await openStream(orders.api.url, id, await asAdmin());
    await eventually(() => expect(statuses(later)).to.deep.equal(['pending']));
    await eventually(async () => expect(await feedQuery()).to.equal(FEED_LISTEN));
    expect((await call(orders.api.url, 'POST', `/orders/${id}/cancel`)).status).to.equal(202);
    await later.ended;
    expect(statuses(later)).to.deep.equal(['pending', 'cancelled']);
    await eventually(async () => expect(await feedQuery()).to.equal(FEED_UNLISTEN));
  });

  it('listens again after its connection drops, and the next transition still arrives at once', async () => {
    const id = await placeFor(orders, 'cust-drop');
    const stream = await openStream(orders.api.url, id, await asAdmin());
    await eventually(() => expect(statuses(stream)).to.deep.equal(['pending']));
    const feedBackends = () => sql<{ pid: number; query: string }>(orders, "select pid, query from pg_stat_activity where application_name = 'order-history-feed' and datname = current_database()");
    const [before] = await feedBackends();
    expect(before?.query).to.equal(FEED_LISTEN);
    await sql(orders, 'select pg_terminate_backend($1)', [before!.pid]);
    await eventually(async () => {
      const [now] = await feedBackends();
      expect(now?.pid).to.not.equal(before!.pid);
      expect(now?.query).to.equal(FEED_LISTEN);
    });
    await call(orders.api.url, 'POST', `/orders/${id}/cancel`);
    await eventually(() => expect(statuses(stream)).to.deep.equal(['pending', 'cancelled']), { timeoutMs: 5000 });
  });

  it('ends its open streams when the process stops, so stopping does not wait for them', async () => {
    const replica = await startApi(loadApiConfig(orders.env), testLog);
    const stream = await openStream(replica.url, await placeFor(orders, 'cust-stop'), await asAdmin());
    await eventually(() => expect(statuses(stream)).to.deep.equal(['pending']));
    const started = Date.now();
    await replica.stop();
    expect(Date.now() - started).to.be.below(5000);
    expect(await stream.ended).to.include(': server stopping: reconnect with Last-Event-ID');
  });
});

describe('order status streams: the safety re-read and the lifetime cap', () => {
  let orders: OrderService;

  before(async () => {
    orders = await startOrderService({ worker: false, env: { SSE_MAX_LIFETIME_SECONDS: '3', SSE_RESYNC_INTERVAL_MS: '300' } });
    await seedCatalog(orders, [{ sku: 'KETTLE-1', price: { amount: 2599, currency: 'EUR' } }]);
  });

  after(async () => {
    await orders?.close();
  });

  it('delivers an entry whose notification was lost, at the next safety re-read', async () => {
    const id = await placeFor(orders, 'cust-lost');
    const stream = await openStream(orders.api.url, id, await asAdmin());
    await eventually(() => expect(statuses(stream)).to.deep.equal(['pending']));
    // written with triggers off: no NOTIFY
    await sql(
      orders,
      `begin; set local session_replication_role = replica;
       insert into order_history (order_id, from_status, to_status, cause, occurred_at) values ('${id}', 'pending', 'stock_reserved', 'test', now());
       commit`,
    );
    await eventually(() => expect(statuses(stream)).to.deep.equal(['pending', 'stock_reserved']), { timeoutMs: 2500 });
    stream.close();
  });

  it('ends a stream after SSE_MAX_LIFETIME_SECONDS; reconnecting with Last-Event-ID misses nothing and repeats nothing', async () => {
    const id = await placeFor(orders, 'cust-long');
    const admin = await asAdmin();
    const started = Date.now();
    const first = await openStream(orders.api.url, id, admin);
    const text = await first.ended;
    expect(Date.now() - started).to.be.within(2500, 8000);
    expect(text).to.include(': stream lifetime reached: reconnect with Last-Event-ID');
    expect(statuses(first)).to.deep.equal(['pending']);
    const resumed = await openStream(orders.api.url, id, admin, first.events[0]!.id);
    await call(orders.api.url, 'POST', `/orders/${id}/cancel`);
    await resumed.ended;
    expect(statuses(resumed)).to.deep.equal(['cancelled']);
    expect(resumed.events[0]!.id).to.be.greaterThan(first.events[0]!.id);
  });
});
