// The raw ceilings a bench run compares itself with, measured in the same run on the same
// servers: what Postgres and JetStream do with nothing of the platform in between.
import { jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import pg from 'pg';
import { AsyncPublisher } from '@order-platform/shared';

/**
 * Single-row insert transactions (autocommit) on `clients` connections, as pgbench's simplest
 * script. The first `warmUpMs` are not counted: a process's first second of it ran ~15 % slower
 * than its next (JIT, connections), which a 1 s measurement would report as the ceiling.
 */
export async function rawPostgresRate(pgBase, { database, durationMs = 5000, clients = 8, warmUpMs = Math.min(500, durationMs / 4) }) {
  const admin = new pg.Client({ connectionString: `${pgBase}/postgres` });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${database}"`);
    await admin.query(`create database "${database}"`);
    const pool = new pg.Pool({ connectionString: `${pgBase}/${database}`, max: clients });
    await pool.query('create table t (id bigserial primary key, payload text not null, at timestamptz not null default now())');
    let transactions = 0;
    let warmUpTransactions = 0;
    const from = Date.now() + warmUpMs;
    const until = from + durationMs;
    await Promise.all(Array.from({ length: clients }, async () => {
      const c = await pool.connect();
      for (let now = Date.now(); now < until; now = Date.now()) {
        await c.query('insert into t (payload) values ($1)', ['x'.repeat(200)]);
        if (now >= from) transactions++;
        else warmUpTransactions++;
      }
      c.release();
    }));
    const { rows } = await pool.query('select count(*)::int as rows from t');
    await pool.end();
    return { txPerSecond: transactions / (durationMs / 1000), clients, warmUpMs, transactions, warmUpTransactions, rows: rows[0].rows };
  } finally {
    await admin.query(`drop database if exists "${database}"`);
    await admin.end();
  }
}

/**
 * Pipelined JetStream publishes into a file stream of the run's namespace, made for this and
 * deleted after: `count` messages of an event's size, at most `window` awaiting their PubAck,
 * through the platform's own AsyncPublisher (what the outbox relay publishes with). `warmUp`
 * publishes go first, untimed: without them a process's first measurement came out at half its
 * next ones with 10,000 publishes (36,000/s, then 70,000–82,000/s) and 25 % below with 50,000.
 */
export async function rawJetStreamRate(nc, { stream, subject, count = 50_000, window = 1000, bytes = 600, warmUp = 10_000 }) {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [subject], storage: 'file' });
  const publisher = new AsyncPublisher(nc, 30_000);
  try {
    const data = new TextEncoder().encode('x'.repeat(bytes));
    let sent = 0;
    const burst = (until) =>
      Promise.all(Array.from({ length: Math.min(window, until - sent) }, async () => {
        while (sent < until) {
          const h = headers();
          h.set('Nats-Msg-Id', `raw-${sent}`);
          sent++;
          await publisher.publish(subject, data, h);
        }
      }));
    await burst(warmUp);
    const started = performance.now();
    await burst(warmUp + count);
    return { publishesPerSecond: count / ((performance.now() - started) / 1000), window, bytes, warmUp };
  } finally {
    publisher.close();
    await jsm.streams.delete(stream);
  }
}
