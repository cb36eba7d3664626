import { expect } from 'chai';
import pg from 'pg';
import { eventually, readStream, testInfra } from '../../src/testing/index.js';
import { messagingFixture, type MessagingFixture } from '../support/messaging.js';
import { holdMarks, watchSubject } from '../support/held-marks.js';
import { addOrderEvents, publishedCount, streamCount } from '../support/outbox-rows.js';
import { startRelayProcess, waitUntilActive, type RelayProcess } from '../support/relay-process.js';

/** Each id exactly once in the stream, and nothing else. */
async function expectExactlyOnce(f: MessagingFixture, ids: string[]): Promise<void> {
  const messages = await readStream(f.nc, f.topology.stream('ORDERS'));
  const seen = messages.map((m) => m.headers['ce-id']);
  expect(seen.length, 'messages in ORDERS').to.equal(ids.length);
  expect(new Set(seen).size, 'distinct ce-ids').to.equal(ids.length);
  expect(seen).to.have.members(ids);
}

describe('outbox relay processes', function () {
  this.timeout(90_000);
  let f: MessagingFixture;
  const relays: RelayProcess[] = [];

  beforeEach(async () => {
    f = await messagingFixture('relaycrash');
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.kill()));
    await f.close();
  });

  async function start(): Promise<RelayProcess> {
    const { natsUrl } = await testInfra();
    const relay = startRelayProcess({ databaseUrl: f.database.url, natsUrl, namespace: f.topology.namespace });
    relays.push(relay);
    return relay;
  }

  it('publishes each orders.created exactly once when the relay is SIGKILLed between publishing and marking', async () => {
    const ids = await addOrderEvents(f.db, 1500);
    // Hold a lock that lets the relay read and publish but blocks it from marking rows published.
    const blocker = new pg.Client({ connectionString: f.database.url });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table outbox in share mode');
    try {
      const first = await start();
      await eventually(async () => expect(await streamCount(f.nc, f.topology.stream('ORDERS'))).to.be.greaterThan(0), { timeoutMs: 20_000 });
      await first.kill('SIGKILL');
      const published = await streamCount(f.nc, f.topology.stream('ORDERS'));
      expect(published, 'rows published before the kill').to.be.greaterThan(0);
      expect(await publishedCount(f.db), 'rows marked before the kill').to.equal(0);
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    const second = await start();
    await waitUntilActive(second);
    await eventually(async () => expect(await publishedCount(f.db)).to.equal(ids.length), { timeoutMs: 30_000 });
    await expectExactlyOnce(f, ids);
  });

  it('publishes each row exactly once with two relays running at once, and hands over when the active one is killed', async () => {
    const a = await start();
    const b = await start();
    const before = await addOrderEvents(f.db, 2000, 100);
    await eventually(async () => expect(await publishedCount(f.db)).to.equal(before.length), { timeoutMs: 30_000 });
    expect([a.isActive(), b.isActive()].filter(Boolean), 'active relays').to.have.length(1);

    const [active, standby] = a.isActive() ? [a, b] : [b, a];
    const during = addOrderEvents(f.db, 1000, 50);
    await active.kill('SIGKILL');
    const after = await during;
    await waitUntilActive(standby);
    await eventually(async () => expect(await publishedCount(f.db)).to.equal(before.length + after.length), { timeoutMs: 30_000 });
    await expectExactlyOnce(f, [...before, ...after]);
  });

  it('publishes a row again when the relay dies between its PubAck and its mark, and JetStream keeps it once', async () => {
    const held = await holdMarks(f.database.url);
    const wire = watchSubject(f.nc, f.topology.subject('orders.created'));
    try {
      const [id] = await addOrderEvents(f.db, 1);
      const first = await start();
      await eventually(() => expect(wire.ids).to.deep.equal([id]), { timeoutMs: 20_000 });
      await first.kill('SIGKILL');
      const second = await start();
      await waitUntilActive(second);
      await eventually(() => expect(wire.ids, 'published by each relay').to.deep.equal([id, id]), { timeoutMs: 20_000 });
      await held.release();
      await eventually(async () => expect(await publishedCount(f.db)).to.equal(1), { timeoutMs: 20_000 });
      await expectExactlyOnce(f, [id!]);
    } finally {
      wire.stop();
      await held.release();
    }
  });
});
