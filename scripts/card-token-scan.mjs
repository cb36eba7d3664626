// Looks for card tokens where none may be: every message (headers and data) of a namespace's
// streams, every row of every table of each service's database (the outbox counted apart),
// and a log file. Only payment-service's payment_methods may hold a token, and only until its
// payment settles: after a run where every payment settled, none may be found anywhere.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { readStream } from '@order-platform/shared';

/** A Postgres client; waits out a server at its connection limit (53300) for a few seconds. */
export async function connectPg(url) {
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (error.code !== '53300' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** The simulated gateway's tokens are `tok_…`: the generic pattern finds every one of them. */
export const cardToken = /tok_[A-Za-z0-9_]*/;

/**
 * @param {{ nc: import('@nats-io/transport-node').NatsConnection, topology: { stream(name: string): string }, databaseUrls: Record<string, string>, logFile: string }} where
 * @returns {Promise<{ found: string[], streams: number, outbox: number, tables: number, log: number }>}
 */
export async function scanForCardTokens({ nc, topology, databaseUrls, logFile }) {
  const found = [];
  const seen = (place, text) => {
    const match = cardToken.exec(text);
    if (match) found.push(`${place}: ${match[0]}`);
  };
  let streams = 0;
  for (const name of ['ORDERS', 'STOCK', 'PAYMENTS', 'DLQ']) {
    for (const message of await readStream(nc, topology.stream(name))) {
      streams += 1;
      seen(`stream ${name} #${message.seq} (${message.subject})`, JSON.stringify(message));
    }
  }
  let outbox = 0;
  let tables = 0;
  for (const [service, url] of Object.entries(databaseUrls)) {
    const client = await connectPg(url);
    try {
      const { rows: names } = await client.query(`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`);
      for (const { table_name: table } of names) {
        const { rows } = await client.query(`select row_to_json(t)::text as row from "${table}" t`);
        if (table === 'outbox') outbox += rows.length;
        else tables += rows.length;
        for (const { row } of rows) seen(`${service} table ${table}`, row);
      }
    } finally {
      await client.end();
    }
  }
  const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
  lines.forEach((line, i) => seen(`${logFile} line ${i + 1}`, line));
  return { found, streams, outbox, tables, log: lines.length };
}

/** Waits, at most `timeoutMs`, until no payment method holds a card token; returns how many still do. */
export async function waitUntilNoCardHeld(paymentDatabaseUrl, timeoutMs = 15_000) {
  const client = await connectPg(paymentDatabaseUrl);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query('select count(*)::int as held from payment_methods where token is not null');
      if (rows[0].held === 0 || Date.now() > deadline) return rows[0].held;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await client.end();
  }
}
