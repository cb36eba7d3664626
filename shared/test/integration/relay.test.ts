import { expect } from 'chai';
import { OutboxRelay } from '../../src/index.js';
import { eventually, readStream, sleep } from '../../src/testing/index.js';
import { messagingFixture, silentLog, type MessagingFixture } from '../support/messaging.js';
import { addOrderEvents, publishedCount, streamCount } from '../support/outbox-rows.js';

describe('outbox relay', () => {
  let f: MessagingFixture;
  let relay: OutboxRelay | undefined;

  beforeEach(async () => {
    f = await messagingFixture('relay');
  });

  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await f.close();
  });

  function startRelay(options: { pollIntervalMs?: number } = {}): OutboxRelay {
    relay = new OutboxRelay({ db: f.db, databaseUrl: f.database.url, nc: f.nc, topology: f.topology, log: silentLog, leaderRetryMs: 100, ...options });
    relay.start();
    return relay;
  }

  it('publishes each committed row once, with CloudEvents headers and Nats-Msg-Id = ce-id', async () => {
    startRelay();
    const ids = await addOrderEvents(f.db, 30, 10);
    const stream = f.topology.stream('ORDERS');
    await eventually(async () => expect(await publishedCount(f.db)).to.equal(30));
    const messages = await readStream(f.nc, stream);
    expect(messages.map((m) => m.headers['ce-id'])).to.have.members(ids);
    const first = messages[0]!;
    expect(first.subject).to.equal(f.topology.subject('orders.created'));
    expect(first.headers['Nats-Msg-Id']).to.equal(first.headers['ce-id']);
    expect(first.headers).to.include({ 'ce-specversion': '1.0', 'ce-type': 'orders.created', 'ce-source': '/test' });
    expect(first.headers['ce-subject']).to.match(/^order-\d+$/);
    expect(first.data).to.have.property('orderId', first.headers['ce-subject']);
  });

  it('never publishes a row whose transaction rolled back', async () => {
    startRelay();
    await f.db
      .transaction(async (trx) => {
        await trx('outbox').insert({ id: '00000000-0000-4000-8000-000000000001', type: 'orders.created', source: '/test', subject: 'x', time: new Date(), data: '{}' });
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const [committed] = await addOrderEvents(f.db, 1);
    await eventually(async () => expect(await publishedCount(f.db)).to.equal(1));
    const messages = await readStream(f.nc, f.topology.stream('ORDERS'));
    expect(messages.map((m) => m.headers['ce-id'])).to.deep.equal([committed]);
  });

  it('picks up a committed row at once when idle (NOTIFY), long before the next poll', async () => {
    const r = startRelay({ pollIntervalMs: 60_000 });
    await eventually(() => expect(r.isLeader).to.equal(true));
    await sleep(200); // idle: waiting on NOTIFY, next poll a minute away
    const started = Date.now();
    await addOrderEvents(f.db, 1);
    await eventually(async () => expect(await streamCount(f.nc, f.topology.stream('ORDERS'))).to.equal(1), { intervalMs: 2 });
    const latencyMs = Date.now() - started;
    expect(latencyMs, `commit to PubAck took ${latencyMs} ms`).to.be.below(1000);
  });

  it('still publishes when NOTIFY is lost, by polling', async () => {
    await f.db.raw('alter table outbox disable trigger outbox_notify');
    const r = startRelay({ pollIntervalMs: 300 });
    await eventually(() => expect(r.isLeader).to.equal(true));
    await addOrderEvents(f.db, 3);
    await eventually(async () => expect(await publishedCount(f.db)).to.equal(3), { timeoutMs: 5000 });
    expect(await streamCount(f.nc, f.topology.stream('ORDERS'))).to.equal(3);
  });

  it('keeps rows until JetStream acknowledges them, then publishes them once the stream exists', async () => {
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const jsm = await jetstreamManager(f.nc);
    const config = (await jsm.streams.info(f.topology.stream('ORDERS'))).config;
    await jsm.streams.delete(config.name);
    startRelay({ pollIntervalMs: 200 });
    await addOrderEvents(f.db, 5);
    await sleep(700); // bounded: a few polls (200 ms) that must publish nothing while the stream is missing
    expect(await publishedCount(f.db)).to.equal(0);
    await jsm.streams.add(config);
    await eventually(async () => expect(await publishedCount(f.db)).to.equal(5), { timeoutMs: 10_000 });
    expect(await streamCount(f.nc, config.name)).to.equal(5);
  });

  it('prunes published rows after the retention period', async () => {
    relay = new OutboxRelay({ db: f.db, databaseUrl: f.database.url, nc: f.nc, topology: f.topology, log: silentLog, retentionMs: 1, pruneIntervalMs: 100, pollIntervalMs: 100 });
    relay.start();
    await addOrderEvents(f.db, 10);
    await eventually(async () => {
      const [row] = await f.db('outbox').count<{ count: number }[]>('* as count');
      expect(Number(row!.count)).to.equal(0);
    });
    expect(await streamCount(f.nc, f.topology.stream('ORDERS'))).to.equal(10);
  });

  it('lets one relay publish at a time; a standby takes over when the active one stops', async () => {
    const a = startRelay();
    await eventually(() => expect(a.isLeader).to.equal(true));
    const b = new OutboxRelay({ db: f.db, databaseUrl: f.database.url, nc: f.nc, topology: f.topology, log: silentLog, leaderRetryMs: 100 });
    b.start();
    try {
      await sleep(300); // bounded: a few of b's leader attempts (100 ms), all of which must fail
      expect(b.isLeader).to.equal(false);
      await a.stop();
      relay = undefined;
      await eventually(() => expect(b.isLeader).to.equal(true), { timeoutMs: 3000 });
      await addOrderEvents(f.db, 3);
      await eventually(async () => expect(await publishedCount(f.db)).to.equal(3));
    } finally {
      await b.stop();
    }
  });
});
