// The raw ceilings a bench run compares itself with, measured in the same run on the same
// servers: what Postgres and JetStream do with nothing of the platform in between.
import { jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import pg from 'pg';
import { AsyncPublisher } from '@order-platform/shared';

/** Single-row insert transactions (autocommit) on `clients` connections, as pgbench's simplest script. */
export async function rawPostgresRate(pgBase, { database, durationMs = 5000, clients = 8 }) {
  const admin = new pg.Client({ connectionString: `${pgBase}/postgres` });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${database}"`);
    await admin.query(`create database "${database}"`);
    const pool = new pg.Pool({ connectionString: `${pgBase}/${database}`, max: clients });
    await pool.query('create table t (id bigserial primary key, payload text not null, at timestamptz not null default now())');
    let count = 0;
    const until = Date.now() + durationMs;
    await Promise.all(Array.from({ length: clients }, async () => {
      const c = await pool.connect();
      while (Date.now() < until) {
        await c.query('insert into t (payload) values ($1)', ['x'.repeat(200)]);
        count++;
      }
      c.release();
    }));
    await pool.end();
    return { txPerSecond: count / (durationMs / 1000), clients };
  } finally {
    await admin.query(`drop database if exists "${database}"`);
    await admin.end();
  }
}

/**
 * Pipelined JetStream publishes into a file stream of the run's namespace, made for this and
 * deleted after: `count` messages of an event's size, at most `window` awaiting their PubAck,
 * through the platform's own AsyncPublisher (what the outbox relay publishes with).
 */
export async function rawJetStreamRate(nc, { stream, subject, count = 50_000, window = 1000, bytes = 600 }) {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [subject], storage: 'file' });
  const publisher = new AsyncPublisher(nc, 30_000);
  try {
    const data = new TextEncoder().encode('x'.repeat(bytes));
    const started = performance.now();
    let sent = 0;
    await Promise.all(Array.from({ length: Math.min(window, count) }, async () => {
      while (sent < count) {
        const h = headers();
        h.set('Nats-Msg-Id', `raw-${sent}`);
        sent++;
        await publisher.publish(subject, data, h);
      }
    }));
    return { publishesPerSecond: count / ((performance.now() - started) / 1000), window, bytes };
  } finally {
    publisher.close();
    await jsm.streams.delete(stream);
  }
}
