import { expect } from 'chai';
import pg from 'pg';
import { Registry } from 'prom-client';
import { ConsumerRunner, declareConsumer, inTransaction, Outbox, OutboxRelay, subscribe, type RelayHandOff } from '../../src/index.js';
import { PooledTransaction } from '../../src/db/pooled-transaction.js';
import { MarkWriter } from '../../src/outbox/mark-writer.js';
import { selectUnpublished, type OutboxRow } from '../../src/outbox/relay-queries.js';
import { eventually, readStream, sleep } from '../../src/testing/index.js';
import { messagingFixture, publishProductChanged, settled, silentLog, type MessagingFixture } from '../support/messaging.js';
import { addOrderEvents, orderCreated, publishedCount, streamCount } from '../support/outbox-rows.js';

const consumer = declareConsumer('hand-off-service', 'stock.product-changed', { maxAttempts: 3, ackWaitMs: 5000 });

/**
 * A worker's relay takes the rows its own consumer batches commit from them (shared/src/outbox:
 * `RelayHandOff`): no NOTIFY is sent for them and no select reads them.
 */
describe('outbox relay: rows handed off by the writers of its own process', () => {
  let f: MessagingFixture;
  let listener: pg.Client;
  let notifications = 0;
  const stops: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    f = await messagingFixture('hand-off', [consumer]);
    notifications = 0;
    listener = new pg.Client({ connectionString: f.database.url });
    await listener.connect();
    listener.on('notification', () => (notifications += 1));
    await listener.query('listen outbox');
  });

  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await listener.end();
    await f.close();
  });

  /** A relay that publishes only what it is handed or notified of: its poll is a minute away. */
  async function activeRelay(registry?: Registry, markDelayMs = 0): Promise<OutboxRelay> {
    const relay = new OutboxRelay({ db: f.db, databaseUrl: f.database.url, nc: f.nc, topology: f.topology, log: silentLog, registry, leaderRetryMs: 100, pollIntervalMs: 60_000, markDelayMs });
    relay.start();
    stops.push(() => relay.stop());
    await eventually(() => expect(relay.accepting).to.equal(true));
    await sleep(100); // its first select is done: from now on only a NOTIFY or a hand-off moves it
    return relay;
  }

  /** A worker's consumer whose handler announces stock.low for each product changed. */
  function runConsumer(outbox: Outbox): void {
    const runner = new ConsumerRunner({
      service: 'hand-off-service',
      db: f.db,
      nc: f.nc,
      topology: f.topology,
      outbox,
      log: silentLog,
      subscriptions: [
        subscribe(consumer, async (event, { outbox: events, now }) => {
          events.add('stock.low', { subject: event.data.sku, data: { sku: event.data.sku, name: 'Kettle', available: 1, threshold: 2, detectedAt: now.toISOString() } });
        }),
      ],
      retry: { baseDelayMs: 100, maxDelayMs: 200 },
      flushWaitMs: 50,
    });
    runner.start();
    stops.push(() => runner.stop());
  }

  it("publishes a batch's events at once through the process's own active relay: no NOTIFY, each published once", async () => {
    const registry = new Registry();
    const relay = await activeRelay(registry);
    const outbox = new Outbox('/stock-service');
    outbox.handOffTo(relay);
    runConsumer(outbox);
    const skus = ['A', 'B', 'C', 'D', 'E'];
    for (const sku of skus) await publishProductChanged(f, sku);
    await settled(f, consumer);
    // the poll is a minute away, and no NOTIFY came: only the hand-off can have published them
    await eventually(async () => expect(await publishedCount(f.db)).to.equal(5), { timeoutMs: 5000 });
    const messages = (await readStream(f.nc, f.topology.stream('STOCK'))).filter((m) => m.headers['ce-type'] === 'stock.low');
    expect(messages.map((m) => m.headers['ce-subject']).sort()).to.deep.equal(skus);
    const published = (await registry.getSingleMetric('outbox_published_total')!.get()).values[0]!.value;
    expect(published, 'rows published by the relay (a second publish of a row would count)').to.equal(5);
    await sleep(200);
    expect(notifications, 'NOTIFYs sent for the handed-off rows').to.equal(0);
  });

  it('notifies as before when the relay of the process is not the active one, and the active relay publishes the rows', async () => {
    const standby = new OutboxRelay({ db: f.db, databaseUrl: f.database.url, nc: f.nc, topology: f.topology, log: silentLog });
    const outbox = new Outbox('/stock-service');
    outbox.handOffTo(standby); // never started: not accepting
    runConsumer(outbox);
    await publishProductChanged(f, 'A');
    await settled(f, consumer);
    await eventually(() => expect(notifications).to.be.greaterThan(0));
    expect(await publishedCount(f.db)).to.equal(0);
    await activeRelay(); // another process's relay, woken by the NOTIFY on its first select
    await eventually(async () => expect(await publishedCount(f.db)).to.equal(1), { timeoutMs: 5000 });
  });

  it('hands over exactly the rows a select would read, and silences only its own statement: a later insert of the transaction notifies', async () => {
    const handed: OutboxRow[] = [];
    const outbox = new Outbox('/order-service');
    outbox.handOffTo({ accepting: true, handOff: (rows) => handed.push(...rows) } satisfies RelayHandOff);
    const time = new Date('2026-12-04T10:11:12.345Z');
    const events = ['o-1', 'o-2', 'o-3'].map((id) => outbox.prepare('orders.created', { subject: id, data: orderCreated(id), time }));
    const transaction = await PooledTransaction.begin(f.db);
    const afterCommit = await outbox.sendMany(transaction.connection, events);
    await transaction.commit();
    afterCommit!();
    await sleep(200);
    expect(notifications, 'a handed-off insert').to.equal(0);

    const client = new pg.Client({ connectionString: f.database.url });
    await client.connect();
    try {
      const selected = await selectUnpublished(client, 10, '{}');
      const withoutAge = (rows: OutboxRow[]) => rows.map(({ age: _age, ...row }) => ({ ...row, seq: Number(row.seq) }));
      expect(withoutAge(handed)).to.deep.equal(withoutAge(selected));
    } finally {
      await client.end();
    }

    await inTransaction({ db: f.db, outbox, clock: () => time, log: silentLog }, async (uow) => {
      uow.outbox.add('orders.created', { subject: 'o-4', data: orderCreated('o-4') });
      await uow.trx.raw('select 1'); // the unit's own statement comes first
    });
    // that one was handed off too (inTransaction hands off): then a plain insert after a handed-off one in one transaction
    const mixed = await PooledTransaction.begin(f.db);
    await outbox.sendMany(mixed.connection, [outbox.prepare('orders.created', { subject: 'o-5', data: orderCreated('o-5'), time })]);
    await outbox.insertMany(mixed.trx, [outbox.prepare('orders.created', { subject: 'o-6', data: orderCreated('o-6'), time })]);
    await mixed.commit();
    await eventually(() => expect(notifications, 'the plain insert after the handed-off one').to.equal(1));
  });

  describe('marks waiting for their delay', () => {
    /** The transaction that last wrote a row (its xmin), of the outbox row announcing `sku` and of the processed row of message `id`. */
    const writerOfMark = async (sku: string): Promise<string | undefined> =>
      (await f.db.raw<{ rows: { xmin: string }[] }>("select xmin::text from outbox where subject = ? and published_at is not null", [sku])).rows[0]?.xmin;
    const writerOfProcessed = async (id: string): Promise<string> => (await f.db.raw<{ rows: { xmin: string }[] }>('select xmin::text from processed_messages where message_id = ?', [id])).rows[0]!.xmin;

    it("go with the COMMIT of the process's next consumer batch, in no transaction of their own, long before the delay is over", async () => {
      const relay = await activeRelay(undefined, 4000);
      const outbox = new Outbox('/stock-service');
      outbox.handOffTo(relay);
      runConsumer(outbox);
      await publishProductChanged(f, 'A');
      await eventually(async () => expect(await streamCount(f.nc, f.topology.stream('STOCK'))).to.equal(2), { timeoutMs: 5000 });
      const published = performance.now();
      await sleep(200);
      expect(await publishedCount(f.db), "A's stock.low: published, its mark waiting").to.equal(0);
      const second = await publishProductChanged(f, 'B');
      await eventually(async () => expect(await writerOfMark('A'), "A's mark").to.be.a('string'), { timeoutMs: 3000, intervalMs: 20 });
      expect(performance.now() - published, 'marked before the delay was over').to.be.below(3000);
      expect(await writerOfMark('A'), "the transaction that marked A's row").to.equal(await writerOfProcessed(second));
      expect(await writerOfMark('B'), "B's row: its mark waits for a batch or the delay").to.equal(undefined);
      // no batch comes: the delay runs out and the writer marks B's row itself
      await eventually(async () => expect(await publishedCount(f.db)).to.equal(2), { timeoutMs: 8000 });
      expect(await writerOfMark('B')).to.not.equal(await writerOfProcessed(second));
    });

    it('that a taker did not commit are marked by the writer at once, and each mark settles once', async () => {
      const ids = await addOrderEvents(f.db, 3);
      const client = new pg.Client({ connectionString: f.database.url });
      await client.connect();
      try {
        const writer = new MarkWriter(client, 60_000);
        let settled = 0;
        const marking = writer.mark(ids.slice(0, 2)).then(() => (settled += 1));
        const taken = writer.take()!;
        expect(writer.take(), 'taken already').to.equal(undefined);
        const transaction = await PooledTransaction.begin(f.db);
        await taken.sendOn(transaction.connection);
        await transaction.rollback();
        taken.released();
        taken.committed(); // too late: released already
        await marking;
        expect(settled).to.equal(1);
        expect(await publishedCount(f.db), 'marked by the writer, not after its minute').to.equal(2);

        const committing = writer.mark(ids.slice(2)).then(() => (settled += 1));
        const next = writer.take()!;
        const other = await PooledTransaction.begin(f.db);
        await next.sendOn(other.connection);
        await other.commit();
        next.committed();
        next.released(); // too late: committed already
        await committing;
        expect(settled).to.equal(2);
        expect(await publishedCount(f.db)).to.equal(3);
      } finally {
        await client.end();
      }
    });
  });
});
