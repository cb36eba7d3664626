import { expect } from 'chai';
import { Registry } from 'prom-client';
import { OutboxRelay } from '../../src/index.js';
import { eventually, sleep } from '../../src/testing/index.js';
import { messagingFixture, silentLog, type MessagingFixture } from '../support/messaging.js';
import { addOrderEvents, publishedCount, streamCount } from '../support/outbox-rows.js';

/**
 * The relay marks published rows after `markDelayMs`, so the marks of several rounds go out as
 * one update; publishing itself never waits for it.
 */
describe('outbox relay: marks wait, publishes do not', () => {
  let f: MessagingFixture;
  let relay: OutboxRelay | undefined;

  beforeEach(async () => {
    f = await messagingFixture('mark-delay');
    // every update statement on the outbox, counted by the database itself
    // with the marking session's synchronous_commit: the default is evaluated in the session that inserts
    await f.db.raw(`create table mark_statements (at timestamptz not null default clock_timestamp(), synchronous_commit text not null default current_setting('synchronous_commit'))`);
    await f.db.raw(`create function count_mark() returns trigger language plpgsql as $$ begin insert into mark_statements default values; return null; end $$`);
    await f.db.raw('create trigger count_marks after update on outbox for each statement execute function count_mark()');
  });

  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await f.close();
  });

  function start(markDelayMs: number, options: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}): void {
    relay = new OutboxRelay({ db: f.db, databaseUrl: f.database.url, nc: f.nc, topology: f.topology, log: silentLog, leaderRetryMs: 100, pollIntervalMs: 60_000, markDelayMs, ...options });
    relay.start();
  }

  const outboxRows = async (): Promise<number> => Number((await f.db('outbox').count<{ count: string }[]>('* as count'))[0]!.count);

  const marks = async (): Promise<number> => Number((await f.db('mark_statements').count<{ count: string }[]>('* as count'))[0]!.count);

  it('publishes each round at once and marks the rounds of the delay with one update', async () => {
    start(1500);
    await sleep(300); // active, its first select done
    const rounds = 4;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) {
      await addOrderEvents(f.db, 1);
      // each commit is out before the next: four rounds, not one
      await eventually(async () => expect(await streamCount(f.nc, f.topology.stream('ORDERS'))).to.equal(i + 1), { timeoutMs: 1000, intervalMs: 10 });
    }
    expect(performance.now() - started, 'publishing waited for the marks').to.be.below(1200);
    expect(await publishedCount(f.db), 'marked before the delay was over').to.equal(0);
    await eventually(async () => expect(await publishedCount(f.db)).to.equal(rounds), { timeoutMs: 4000 });
    expect(await marks(), 'update statements for four rounds').to.equal(1);
  });

  it('marks without waiting for the WAL to reach the disk (a mark lost in a crash publishes its rows again, dropped as duplicates)', async () => {
    start(0);
    await sleep(300);
    await addOrderEvents(f.db, 3, 1);
    await eventually(async () => expect(await publishedCount(f.db)).to.equal(3), { timeoutMs: 2000, intervalMs: 10 });
    const settings = await f.db('mark_statements').distinct('synchronous_commit').pluck('synchronous_commit');
    expect(settings, "the marking session's synchronous_commit").to.deep.equal(['off']);
    // the test's own session keeps the server's default
    expect((await f.db.raw<{ rows: { s: string }[] }>("select current_setting('synchronous_commit') as s")).rows[0]!.s).to.equal('on');
  });

  it('marks each round at once without a delay', async () => {
    start(0);
    await sleep(300);
    for (let i = 0; i < 3; i++) {
      await addOrderEvents(f.db, 1);
      await eventually(async () => expect(await publishedCount(f.db)).to.equal(i + 1), { timeoutMs: 2000, intervalMs: 10 });
    }
    expect(await marks()).to.equal(3);
  });

  it('counts rows JetStream acknowledged as published in the backlog gauge, before their mark', async () => {
    const registry = new Registry();
    start(3000, { registry, pollIntervalMs: 100 });
    await sleep(300);
    await addOrderEvents(f.db, 3);
    await eventually(async () => expect(await streamCount(f.nc, f.topology.stream('ORDERS'))).to.equal(3), { timeoutMs: 2000 });
    await sleep(400); // rounds ran after the PubAcks
    const backlog = (await registry.getSingleMetric('outbox_backlog')!.get()).values[0]!.value;
    expect(await publishedCount(f.db), 'not marked yet').to.equal(0);
    expect(backlog, 'published rows awaiting their mark counted as backlog').to.equal(0);
  });

  it('prunes published rows while marks keep waiting under steady writes', async () => {
    start(500, { retentionMs: 1, pruneIntervalMs: 100, pollIntervalMs: 100 });
    await sleep(300);
    let written = 0;
    let pruned = 0;
    // a commit every 100 ms: some batch always waits for its mark, never one is publishing long
    for (let i = 0; i < 40 && pruned === 0; i++) {
      await addOrderEvents(f.db, 1);
      written += 1;
      await sleep(100);
      if (i >= 15) pruned = written - (await outboxRows());
    }
    expect(pruned, 'rows pruned while writes went on').to.be.above(0);
  });
});
