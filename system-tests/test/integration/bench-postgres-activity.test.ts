import { expect } from 'chai';
import pg from 'pg';
import { createTestDatabase, testInfra, type TestDatabase } from '@order-platform/shared/testing';
import { activityKind, sampleActivity } from '../../../scripts/bench/pg-activity.mjs';

// make bench reads pg_stat_activity through the run and charges each backend's time to its
// service's database by what the backend was doing. Here each kind is held on purpose for a
// known time, on a database of its own, and the sampler must find each one, for that long.
describe("make bench: Postgres backends' time by what it went to", function () {
  this.timeout(30_000);
  let watched: TestDatabase;
  let other: TestDatabase;
  const clients: pg.Client[] = [];

  const connect = async (url: string): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    return client;
  };

  before(async () => {
    watched = await createTestDatabase('activity', { create: 'database' });
    other = await createTestDatabase('activity_other', { create: 'database' });
  });

  after(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await watched?.drop();
    await other?.drop();
  });

  it('tells a running statement, a lock wait, an open transaction and other waits apart', async () => {
    const { databaseUrl } = await testInfra();
    const holder = await connect(watched.url);
    const waiter = await connect(watched.url);
    const sleeper = await connect(watched.url);
    const runner = await connect(watched.url);
    await connect(watched.url); // idle, outside a transaction: not counted
    const elsewhere = await connect(other.url); // a database not watched
    const key = 424242;
    // an open transaction holding a lock, its client doing nothing
    await holder.query('begin');
    await holder.query('select pg_advisory_xact_lock($1)', [key]);
    // a statement waiting for that lock
    const waiting = waiter.query('select pg_advisory_xact_lock($1)', [key]);
    const holdMs = 1500;
    // a statement waiting on something else (a timer), and one working on the CPU all along
    const sleeping = sleeper.query('select pg_sleep($1)', [holdMs / 1000]);
    const running = runner.query(`do $$ declare stop timestamptz := clock_timestamp() + interval '${holdMs} milliseconds'; begin while clock_timestamp() < stop loop end loop; end $$`);
    const busyElsewhere = elsewhere.query('select pg_sleep($1)', [holdMs / 1000]);

    const started = performance.now();
    const sampler = sampleActivity({ url: databaseUrl, databases: { [watched.name]: 'watched' }, everyMs: 10 });
    await Promise.all([sleeping, running, busyElsewhere]);
    const { ms, samples, failure } = await sampler.stop();
    const window = performance.now() - started;
    await holder.query('commit');
    await waiting;

    expect(failure).to.equal(undefined);
    expect(samples, `${samples} samples in ${window.toFixed(0)} ms`).to.be.above(20);
    expect(Object.keys(ms)).to.deep.equal(['watched']);
    const watchedMs = ms['watched']!;
    const about = (kind: string, expected: number): void => {
      expect(watchedMs[kind], `${kind}: ${JSON.stringify(watchedMs)}, sampled for ${window.toFixed(0)} ms`).to.be.within(expected * 0.6, expected * 1.3);
    };
    // the lock's holder and its waiter were there the whole time the sampler ran
    about('waiting for its service', window);
    about('lock wait', window);
    // the sleeper and the runner for holdMs of it (both had started before the sampler)
    about('other wait', holdMs);
    about('running', holdMs);
    expect(watchedMs['WAL flush']).to.be.below(window * 0.2);
  });

  it('counts a backend by its wait first, then by its state', () => {
    expect(activityKind({ state: 'idle', wait_event_type: 'Client', wait_event: 'ClientRead' })).to.equal(null);
    expect(activityKind({ state: 'active', wait_event_type: null, wait_event: null })).to.equal('running');
    expect(activityKind({ state: 'active', wait_event_type: 'Lock', wait_event: 'advisory' })).to.equal('lock wait');
    expect(activityKind({ state: 'active', wait_event_type: 'Lock', wait_event: 'transactionid' })).to.equal('lock wait');
    expect(activityKind({ state: 'active', wait_event_type: 'IO', wait_event: 'WALSync' })).to.equal('WAL flush');
    expect(activityKind({ state: 'active', wait_event_type: 'LWLock', wait_event: 'WALWrite' })).to.equal('WAL flush');
    expect(activityKind({ state: 'active', wait_event_type: 'Client', wait_event: 'ClientRead' })).to.equal('waiting for its service');
    expect(activityKind({ state: 'idle in transaction', wait_event_type: 'Client', wait_event: 'ClientRead' })).to.equal('waiting for its service');
    expect(activityKind({ state: 'idle in transaction (aborted)', wait_event_type: 'Client', wait_event: 'ClientRead' })).to.equal('waiting for its service');
    expect(activityKind({ state: 'active', wait_event_type: 'IO', wait_event: 'DataFileRead' })).to.equal('other wait');
    expect(activityKind({ state: 'active', wait_event_type: 'Timeout', wait_event: 'PgSleep' })).to.equal('other wait');
  });
});
