import { expect } from 'chai';
import { createDb, OutboxRelay, type Knex } from '../../src/index.js';
import { createTestDatabase, eventually, recordStatements, sleep, type TestDatabase } from '../../src/testing/index.js';
import { messagingFixture, silentLog, type MessagingFixture } from '../support/messaging.js';
import { addOrderEvents, streamCount } from '../support/outbox-rows.js';

/**
 * Postgres plans a prepared statement for its parameters five times, then keeps a generic plan
 * made for the tables as they were then. Made while a table is nearly empty, that plan is a
 * sequential scan, and without an ANALYZE (autovacuum off, or not there yet) it stays one while
 * the table grows: every call reads the whole table. The pools' connections drop their cached
 * plans now and then (db/pipelining-client.ts), and the relay's marks go by the key whatever the
 * table's size (outbox/relay.ts). Seen from Postgres: the plan `EXPLAIN EXECUTE` shows for the
 * pool's own prepared statement, and the rows the relay's marks scanned (pg_stat_user_tables).
 */
describe('cached plans of a table that grew after they were made', function () {
  this.timeout(60_000);

  describe("a pool's prepared statement", () => {
    let database: TestDatabase;
    let admin: Knex;
    let db: Knex | undefined;

    before(async () => {
      database = await createTestDatabase('planrefresh', { create: 'database' });
      admin = createDb(database.url, { poolMax: 1 });
    });

    beforeEach(async () => {
      await admin.raw('drop table if exists parcels');
      await admin.raw('create table parcels (id int primary key, label text not null)');
      await admin.raw(`insert into parcels select i, 'parcel ' || i from generate_series(1, 10) as i`);
      // statistics of the table while it was small, and none after (autovacuum off, or behind)
      await admin.raw('analyze parcels');
    });

    afterEach(async () => {
      await db?.destroy();
      db = undefined;
    });

    after(async () => {
      await admin?.destroy();
      await database?.drop();
    });

    const lookUp = (pool: Knex) => pool('parcels').whereRaw('id = any(?::int[])', [[1, 2, 3]]).select('id');

    /** The plan this pool's connection would run its prepared lookup with now (its scan node). */
    const planOf = async (pool: Knex): Promise<string> => {
      const { rows } = await pool.raw<{ rows: { name: string }[] }>(`select name from pg_prepared_statements where statement like '%parcels%any%'`);
      expect(rows, 'the lookup is a prepared statement of the connection').to.have.length(1);
      const explained = await pool.raw<{ rows: { 'QUERY PLAN': [{ Plan: { 'Node Type': string } }] }[] }>(`explain (format json) execute "${rows[0]!.name}"('{1,2,3}')`);
      return explained.rows[0]!['QUERY PLAN'][0].Plan['Node Type'];
    };

    it('plans it again for the table as it is now, once the refresh is due: an index scan where the plan made for ten rows read them all', async () => {
      const firstMs = 3000;
      const opened = Date.now();
      db = createDb(database.url, { poolMax: 1, prepare: true, planRefresh: { firstMs, maxMs: 60_000 } });
      for (let i = 0; i < 8; i++) expect(await lookUp(db)).to.have.length(3);
      // the trap this guards against: a generic plan made for ten rows
      expect(await planOf(db), 'the plan made for a ten-row table').to.equal('Seq Scan');
      expect(Date.now() - opened, 'the connection was still before its first refresh').to.be.below(firstMs);
      await admin.raw(`insert into parcels select i, 'parcel ' || i from generate_series(11, 100000) as i`);
      await sleep(firstMs - (Date.now() - opened) + 100);
      expect(await lookUp(db)).to.have.length(3);
      expect(await planOf(db), 'the plan for 100,000 rows').to.be.oneOf(['Index Scan', 'Bitmap Heap Scan', 'Index Only Scan']);
    });

    it('is left out of the statements a cost test records: it rides in the write of the statement behind it', async () => {
      db = createDb(database.url, { poolMax: 1, prepare: true, planRefresh: { firstMs: 100, maxMs: 100 } });
      await lookUp(db);
      await sleep(200); // a refresh is due: it goes in front of the next statement
      const recorded = recordStatements();
      try {
        expect(await lookUp(db)).to.have.length(3);
      } finally {
        recorded.restore();
      }
      expect(recorded.sent.map((s) => s.text)).to.deep.equal(['select "id" from "parcels" where id = any($1::int[])']);
    });

    it('a refresh that falls inside a transaction leaves the transaction whole', async () => {
      db = createDb(database.url, { poolMax: 1, prepare: true, planRefresh: { firstMs: 200, maxMs: 200 } });
      await db.transaction(async (trx) => {
        await trx('parcels').insert({ id: 11, label: 'eleven' });
        await sleep(300); // the refresh goes in front of the next statement, in this transaction
        await trx('parcels').insert({ id: 12, label: 'twelve' });
      });
      await db
        .transaction(async (trx) => {
          await trx('parcels').insert({ id: 13, label: 'thirteen' });
          await sleep(300);
          await trx('parcels').insert({ id: 11, label: 'again' }); // unique violation: all of it rolls back
        })
        .catch(() => undefined);
      expect(await admin('parcels').where('id', '>', 10).orderBy('id').pluck('label')).to.deep.equal(['eleven', 'twelve']);
    });
  });

  describe("the outbox relay's marks", () => {
    let f: MessagingFixture;
    let relay: OutboxRelay | undefined;

    beforeEach(async () => {
      f = await messagingFixture('plan-marks');
    });

    afterEach(async () => {
      await relay?.stop();
      relay = undefined;
      await f.close();
    });

    /** The outbox's counters in pg_stat_user_tables (each backend reports its own every second or so, or 10 s after it goes idle). */
    const outboxStats = async (): Promise<{ updated: number; seqRead: number }> => {
      const { rows } = await f.db.raw<{ rows: { updated: number; seq_read: number }[] }>(`select n_tup_upd::int as updated, seq_tup_read::int as seq_read from pg_stat_user_tables where relname = 'outbox'`);
      return { updated: rows[0]!.updated, seqRead: rows[0]!.seq_read };
    };

    it('go by the key when the outbox has grown since the relay started', async () => {
      relay = new OutboxRelay({ db: f.db, databaseUrl: f.database.url, nc: f.nc, topology: f.topology, log: silentLog, leaderRetryMs: 100, pollIntervalMs: 60_000, pruneIntervalMs: 3_600_000 });
      relay.start();
      await sleep(300);
      // eight marks of five rows while the outbox is nearly empty: past the five custom plans, the
      // generic one made then is kept, and for a nearly empty table it reads the whole table
      let events = 0;
      const round = async (): Promise<void> => {
        await addOrderEvents(f.db, 5);
        events += 5;
        await eventually(async () => expect(await streamCount(f.nc, f.topology.stream('ORDERS'))).to.equal(events), { timeoutMs: 5000, intervalMs: 10 });
      };
      for (let i = 0; i < 8; i++) await round();
      // a day of published rows (as the retention keeps them), written behind the relay's back
      const kept = 50_000;
      await f.db.raw(`insert into outbox (id, type, source, subject, time, data, published_at)
        select gen_random_uuid(), 'orders.created', '/test', 'order-' || i, now(), '{}', now() from generate_series(1, ?) as i`, [kept]);
      for (let i = 0; i < 3; i++) await round();
      // every mark's update reported (all the rows published), and with them the rows they scanned
      const stats = await eventually(
        async () => {
          const now = await outboxStats();
          expect(now.updated, 'the relay marked every row it published').to.be.at.least(events);
          return now;
        },
        { timeoutMs: 20_000, intervalMs: 250 },
      );
      expect(stats.seqRead, 'rows read by sequential scans of the outbox').to.be.below(kept);
    });
  });
});
