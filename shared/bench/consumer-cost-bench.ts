/**
 * make bench-consumer-cost: what the consumer machinery costs per message, against the same
 * work written by hand in the same run.
 *
 * BENCH_MESSAGES stock.product-changed events are published first; then two durable consumers
 * of them drain the backlog one after the other, each doing the same work per message in one
 * transaction per batch (up to BENCH_BATCH messages): record the message as processed, one
 * update of a row by the event's sku (a prepared statement), one outbox row.
 *
 *   runner  ConsumerRunner with a handler that does that through its UnitOfWork
 *   raw     a loop on @nats-io/jetstream's consume and one pg.Client: BEGIN, the processed
 *           insert (one statement for the batch), the updates, the outbox insert (one statement),
 *           COMMIT, then an ack per message: what the runner does with nothing else around it
 *
 * BENCH_ONLY=runner|raw measures one alone (for a CPU profile of it). For each: messages/s, and CPU ms per 1000 messages of this process (process.cpuUsage, the
 * publisher idle by then) and of the database's Postgres backends (/proc/PID/stat), so the
 * gap between the two lines is what the runner's own machinery costs.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import pg from 'pg';
import { ConsumerRunner, connectionOf, declareConsumer, Outbox, subscribe, type PendingEvent } from '../src/index.js';
import { messagingFixture, publishProductChanged, silentLog } from '../test/support/messaging.js';

const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 20_000);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 50);
const SKUS = 20;
const ONLY = process.env['BENCH_ONLY']; // runner | raw: measure that one alone (to profile it)
const TICK_MS = 1000 / 100; // CLK_TCK
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const runnerConsumer = declareConsumer('bench-runner', 'stock.product-changed');
const rawConsumer = declareConsumer('bench-raw', 'stock.product-changed');
const f = await messagingFixture('consumercost', [runnerConsumer, rawConsumer]);
const count = { name: 'bench-count', text: 'update counters set n = n + 1 where sku = $1' };

function procCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0; // ended
  }
}

async function backendCpu(): Promise<Map<number, number>> {
  const { rows } = await f.db.raw<{ rows: { pid: number }[] }>('select pid from pg_stat_activity where datname = current_database()');
  return new Map(rows.map(({ pid }) => [pid, procCpuMs(pid)]));
}

async function drained(durable: string): Promise<boolean> {
  const jsm = await jetstreamManager(f.nc);
  const info = await jsm.consumers.info(f.topology.streamFor('stock.product-changed'), durable);
  return info.num_pending + info.num_ack_pending === 0;
}

async function processed(durable: string): Promise<number> {
  const { rows } = await f.db.raw<{ rows: { n: number }[] }>('select count(*)::int as n from processed_messages where consumer = ?', [durable]);
  return rows[0]!.n;
}

/** Runs `start`, waits until `durable` has every message processed and acked, and reports what it cost. */
async function measure(label: string, durable: string, start: () => Promise<() => Promise<void>>): Promise<void> {
  if (ONLY && ONLY !== label) return;
  const pgBefore = await backendCpu();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const stop = await start();
  // polled every 100 ms: the count is a scan of the table, and the backends' CPU is measured
  while ((await processed(durable)) < MESSAGES || !(await drained(durable))) await sleep(100);
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const pgAfter = await backendCpu();
  await stop();
  const nodeMs = (cpu.user + cpu.system) / 1000;
  let pgMs = 0;
  for (const [pid, ms] of pgAfter) pgMs += ms - (pgBefore.get(pid) ?? 0);
  const per1000 = (ms: number) => ((ms / MESSAGES) * 1000).toFixed(0);
  out(`${label.padEnd(7)} ${Math.round((MESSAGES / elapsed) * 1000).toLocaleString('en-US').padStart(7)} messages/s; CPU ms per 1000 messages: node ${per1000(nodeMs).padStart(5)}, postgres ${per1000(pgMs).padStart(5)}, both ${per1000(nodeMs + pgMs).padStart(5)}`);
}

try {
  await f.db.raw('create table counters (sku text primary key, n int not null default 0)');
  await f.db.raw(`insert into counters (sku) select 'SKU-' || i from generate_series(0, ${SKUS - 1}) as i`);
  out(`bench-consumer-cost: ${MESSAGES.toLocaleString('en-US')} messages, batches of up to ${BATCH}, ${SKUS} rows updated in turn`);
  for (let i = 0; i < MESSAGES; i += 500) await Promise.all(Array.from({ length: Math.min(500, MESSAGES - i) }, (_, j) => publishProductChanged(f, `SKU-${(i + j) % SKUS}`, i + j + 1)));

  await measure('runner', runnerConsumer.durable, async () => {
    const runner = new ConsumerRunner({
      service: 'bench-runner', db: f.db, nc: f.nc, topology: f.topology, outbox: new Outbox('/bench-runner'), log: silentLog, batchSize: BATCH,
      subscriptions: [
        subscribe(runnerConsumer, async (event, work) => {
          const connection = await connectionOf(work.trx);
          await connection.query({ ...count, values: [event.data.sku] });
          work.outbox.add('stock.low', { subject: event.data.sku, data: { sku: event.data.sku, name: 'x', available: 1, threshold: 2, detectedAt: event.time } });
        }),
      ],
    });
    runner.start();
    return () => runner.stop();
  });

  await measure('raw', rawConsumer.durable, async () => {
    const client = new pg.Client({ connectionString: f.database.url });
    await client.connect();
    const outbox = new Outbox('/bench-raw');
    const consumer = await jetstream(f.nc).consumers.get(f.topology.streamFor('stock.product-changed'), rawConsumer.durable);
    const messages = await consumer.consume({ max_messages: BATCH * 2, expires: 10_000 });
    const queue: JsMsg[] = [];
    let wake: (() => void) | undefined;
    const loop = (async () => {
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        await new Promise((resolve) => setImmediate(resolve));
        const batch = queue.splice(0, BATCH);
        const events = batch.map((m) => ({ id: m.headers!.get('ce-id'), data: m.json<{ sku: string }>(), seq: m.seq, time: m.headers!.get('ce-time') }));
        await client.query('begin');
        await client.query({
          name: 'bench-processed',
          text: `insert into processed_messages (consumer, message_id, subject, entity_id, stream_seq, deliveries, trace_id)
                 select $1, m.* from unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::int4[], $7::text[]) as m on conflict do nothing returning message_id`,
          values: [rawConsumer.durable, events.map((e) => e.id), events.map(() => 'stock.product-changed'), events.map((e) => e.data.sku), events.map((e) => e.seq), events.map(() => 1), events.map(() => null)],
        });
        for (const e of events) await client.query({ ...count, values: [e.data.sku] });
        const now = new Date();
        const pending: PendingEvent[] = events.map((e) => outbox.prepare('stock.low', { subject: e.data.sku, data: { sku: e.data.sku, name: 'x', available: 1, threshold: 2, detectedAt: e.time! }, time: now }));
        await outbox.sendMany(client, pending);
        await client.query('commit');
        for (const m of batch) m.ack();
        if (batch.length < BATCH && queue.length === 0 && messages.getPending() === 0 && (await drained(rawConsumer.durable))) break;
      }
    })().catch((error: unknown) => out(`raw loop failed: ${(error as Error).message}`));
    void (async () => {
      for await (const m of messages) {
        queue.push(m);
        wake?.();
      }
    })();
    return async () => {
      await messages.close();
      wake?.();
      await Promise.race([loop, sleep(100)]);
      await client.end();
    };
  });
} finally {
  await f.close();
}
