import pg from 'pg';
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { NatsConnection } from '@nats-io/transport-node';
import { SpanKind } from '@opentelemetry/api';
import { envelopeHeaders } from '../events/envelope.js';
import { isEventType } from '../events/contracts.js';
import type { Logger } from '../logger.js';
import { AsyncPublisher } from '../nats/async-publisher.js';
import type { Topology } from '../nats/topology.js';
import { contextOf, isTracing, spanFailed, traceparentOf, tracer } from '../tracing.js';

export interface RelayOptions {
  db: Knex;
  /** for the relay's own connection, which holds the leader lock and LISTENs */
  databaseUrl: string;
  nc: NatsConnection;
  topology: Topology;
  log: Logger;
  registry?: Registry | undefined;
  /** names the relay's publish spans; defaults to the row's source */
  service?: string;
  batchSize?: number;
  /** batches published at once */
  pipelineDepth?: number;
  /** fallback when a NOTIFY is lost (or a row was written without the trigger) */
  pollIntervalMs?: number;
  /** how often a standby replica tries to become the active relay */
  leaderRetryMs?: number;
  publishTimeoutMs?: number;
  /** published rows are deleted after this long */
  retentionMs?: number;
  pruneIntervalMs?: number;
}

type SeqRange = [number, number];

interface Batch {
  range: SeqRange;
  done: Promise<void>;
  rows: number;
  /** of its oldest row, when selected */
  oldestAge: number;
  selectedAt: number;
}

interface OutboxRow {
  id: string;
  seq: number;
  type: string;
  source: string;
  subject: string;
  time: Date;
  traceparent: string | null;
  data: string;
  /** seconds since the row was written, by the database's clock */
  age: number;
}

// One key for every relay of a database; advisory locks are scoped to the database, and each
// service has its own, so this elects one relay per service.
const LEADER_LOCK_KEY = 0x6f7574626f78; // "outbox"

/**
 * Publishes committed outbox rows to JetStream. One relay per service is active at a time: it
 * holds a session-level advisory lock on its own connection, so when its process dies the lock
 * goes with the connection and a standby replica takes over within `leaderRetryMs`.
 *
 * Each round selects unpublished rows, publishes them all at once (many in flight), waits for
 * every PubAck, and marks the acknowledged rows while the next round is already publishing.
 * A row published but not marked (crash, lost connection) is published again; JetStream drops
 * it as a duplicate through Nats-Msg-Id within the stream's duplicate window, and consumers
 * are idempotent beyond it.
 */
export class OutboxRelay {
  private readonly options: Required<Omit<RelayOptions, 'registry' | 'service'>> & { service?: string | undefined };
  private readonly publisher: AsyncPublisher;
  private readonly encoder = new TextEncoder();
  private readonly metrics;
  private running: Promise<void> | undefined;
  private stopping = false;
  private connectionLost = false;
  private notified = false;
  private wakeUp: (() => void) | undefined;
  private leader = false;
  private nextBacklogCount = 0;

  constructor(options: RelayOptions) {
    this.options = {
      batchSize: 1000,
      pipelineDepth: 3,
      pollIntervalMs: 1000,
      leaderRetryMs: 1000,
      publishTimeoutMs: 5000,
      retentionMs: 24 * 3600 * 1000,
      pruneIntervalMs: 60_000,
      ...options,
    } as Required<Omit<RelayOptions, 'registry' | 'service'>> & { service?: string | undefined };
    this.publisher = new AsyncPublisher(options.nc, this.options.publishTimeoutMs);
    this.metrics = relayMetrics(options.registry);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
    this.publisher.close();
  }

  private async run(): Promise<void> {
    const { log, leaderRetryMs } = this.options;
    while (!this.stopping) {
      const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: 'outbox-relay', keepAlive: true });
      this.connectionLost = false;
      const lost = (error?: Error): void => {
        if (!this.connectionLost && !this.stopping) log.warn({ err: error }, 'outbox relay lost its database connection');
        this.connectionLost = true;
        this.wake();
      };
      client.on('error', lost);
      client.on('end', () => lost());
      client.on('notification', () => this.wake());
      try {
        await client.connect();
        if (await this.acquireLeadership(client)) {
          await client.query('listen outbox');
          // This connection is the relay's alone. The outbox churns faster than its statistics
          // follow, and with stale ones the planner sorts every unpublished row (tens of ms)
          // instead of walking the partial index in seq order (about one ms per batch).
          await client.query('set enable_bitmapscan = off; set enable_seqscan = off; set enable_sort = off');
          this.leader = true;
          this.metrics.active.set(1);
          log.info('outbox relay active');
          await this.publishUntilStopped(client);
        }
      } catch (error) {
        log.error({ err: error }, 'outbox relay failed; retrying');
      } finally {
        if (this.leader) log.info('outbox relay standing down');
        this.leader = false;
        // the active relay reports the backlog; a standby's last figures would only go stale
        this.metrics.active.set(0);
        this.metrics.backlog.set(0);
        this.metrics.oldestAge.set(0);
        client.removeAllListeners('end');
        await client.end().catch(() => undefined);
      }
      if (!this.stopping) await this.idle(leaderRetryMs);
    }
  }

  private async acquireLeadership(client: pg.Client): Promise<boolean> {
    let announced = false;
    while (!this.stopping && !this.connectionLost) {
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [LEADER_LOCK_KEY]);
      if (rows[0]?.locked) return true;
      if (!announced) this.options.log.info('another outbox relay is active; standing by');
      announced = true;
      await this.idle(this.options.leaderRetryMs);
    }
    return false;
  }

  /**
   * Up to `pipelineDepth` batches are in flight at once, each published (many messages at a
   * time, then every PubAck awaited) and then marked, while the next batch is selected. The
   * select leaves out the seq ranges of the batches in flight; a row that committed late inside
   * such a range is simply taken once that batch is done.
   */
  private async publishUntilStopped(client: pg.Client): Promise<void> {
    const { batchSize, pollIntervalMs, pruneIntervalMs, pipelineDepth } = this.options;
    const inFlight = new Set<Batch>();
    let nextPrune = Date.now() + pruneIntervalMs;
    let failed = false;
    try {
      while (!this.stopping && !this.connectionLost) {
        while (inFlight.size >= pipelineDepth) await Promise.race([...inFlight].map((b) => b.done));
        if (failed) {
          await Promise.all([...inFlight].map((b) => b.done));
          failed = false;
          await this.idle(Math.min(pollIntervalMs, 1000));
        }
        this.notified = false;
        const rows = await this.selectUnpublished(client, batchSize, [...inFlight].map((b) => b.range));
        await this.measureBacklog(client, rows, inFlight);
        if (rows.length === 0) {
          if (inFlight.size > 0) {
            await Promise.race([...inFlight].map((b) => b.done));
            continue;
          }
          if (Date.now() >= nextPrune) {
            await this.prune();
            nextPrune = Date.now() + pruneIntervalMs;
          }
          await this.idle(pollIntervalMs);
          continue;
        }
        const batch: Batch = {
          range: [rows[0]!.seq, rows.at(-1)!.seq],
          rows: rows.length,
          oldestAge: oldestAge(rows),
          selectedAt: performance.now(),
          done: this.publish(rows)
            .then(({ published, failures }) => {
              if (failures > 0) failed = true;
              return this.markPublished(published);
            })
            .catch((error: unknown) => {
              failed = true;
              this.options.log.warn({ err: error }, 'could not mark published rows; they will be republished and deduplicated');
            })
            .finally(() => inFlight.delete(batch)),
        };
        inFlight.add(batch);
      }
    } finally {
      await Promise.all([...inFlight].map((b) => b.done));
    }
  }

  private async selectUnpublished(client: pg.Client, limit: number, exclude: SeqRange[]): Promise<OutboxRow[]> {
    const params: number[] = [limit];
    const conditions = exclude.map(([from, to]) => `and not (seq between $${params.push(from)} and $${params.push(to)})`).join(' ');
    const result = await client.query<OutboxRow>(
      `select id, seq, type, source, subject, time, traceparent, data::text as data,
              extract(epoch from now() - created_at)::float8 as age
         from outbox
        where published_at is null ${conditions}
        order by seq
        limit $1`,
      params,
    );
    return result.rows;
  }

  /**
   * The backlog (unpublished rows, those in flight included) and the age of the oldest, every
   * round. While the backlog fits in one batch the round's own select tells both; a full batch
   * means there may be more, and those are counted, at most once a second.
   */
  private async measureBacklog(client: pg.Client, rows: OutboxRow[], inFlight: Set<Batch>): Promise<void> {
    const now = performance.now();
    let pending = rows.length;
    let oldest = oldestAge(rows);
    for (const batch of inFlight) {
      pending += batch.rows;
      oldest = Math.max(oldest, batch.oldestAge + (now - batch.selectedAt) / 1000);
    }
    this.metrics.oldestAge.set(oldest);
    if (rows.length < this.options.batchSize) {
      this.metrics.backlog.set(pending);
      return;
    }
    if (now < this.nextBacklogCount) return;
    this.nextBacklogCount = now + 1000;
    const result = await client.query<{ count: string }>('select count(*) as count from outbox where published_at is null');
    this.metrics.backlog.set(Number(result.rows[0]?.count ?? 0));
  }

  private async publish(rows: OutboxRow[]): Promise<{ published: string[]; failures: number }> {
    const started = performance.now();
    const results = await Promise.allSettled(rows.map((row) => this.publishRow(row)));
    const published: string[] = [];
    let firstError: unknown;
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') published.push(rows[i]!.id);
      else firstError ??= result.reason;
    });
    const failures = rows.length - published.length;
    this.metrics.published.inc(published.length);
    this.metrics.batchSize.observe(rows.length);
    this.metrics.batchSeconds.observe((performance.now() - started) / 1000);
    if (failures > 0) {
      this.metrics.failures.inc(failures);
      this.options.log.warn({ err: firstError, failures, batch: rows.length }, 'outbox rows not acknowledged by JetStream; will retry');
    }
    return { published, failures };
  }

  /**
   * One `<type> publish` span per row, child of the span that wrote it; the message carries the
   * publish span's traceparent, so the consumer's span is its child. With tracing off the
   * stored traceparent goes out unchanged.
   */
  private publishRow(row: OutboxRow): Promise<unknown> {
    if (!isEventType(row.type)) return Promise.reject(new Error(`outbox row ${row.id} has unknown type ${row.type}`));
    const subject = this.options.topology.subject(row.type);
    const envelope = { id: row.id, type: row.type, source: row.source, subject: row.subject, time: row.time.toISOString(), traceparent: row.traceparent ?? undefined };
    // the hot path of the relay: with tracing off, not even a no-op span per row
    if (!isTracing()) return this.publisher.publish(subject, this.encoder.encode(row.data), envelopeHeaders(envelope));
    const span = tracer(this.options.service ?? row.source.replace(/^\//, '')).startSpan(
      `${row.type} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'messaging.destination.name': subject, 'messaging.message.id': row.id },
      },
      contextOf(row.traceparent),
    );
    const headers = envelopeHeaders({ ...envelope, traceparent: (span.isRecording() ? traceparentOf(span) : undefined) ?? envelope.traceparent });
    return this.publisher.publish(subject, this.encoder.encode(row.data), headers).then(
      (ack) => {
        span.end();
        return ack;
      },
      (error: unknown) => {
        spanFailed(span, error);
        span.end();
        throw error;
      },
    );
  }

  private async markPublished(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.options.db.raw('update outbox set published_at = now() where id = any(?::uuid[])', [ids]);
  }

  private async prune(): Promise<void> {
    const { db, retentionMs, log } = this.options;
    let total = 0;
    for (;;) {
      const result = await db.raw<{ rowCount: number }>(
        `delete from outbox where id in (
           select id from outbox where published_at < now() - make_interval(secs => ?) limit 5000)`,
        [retentionMs / 1000],
      );
      total += result.rowCount;
      if (result.rowCount < 5000 || this.stopping) break;
    }
    if (total > 0) log.info({ rows: total }, 'pruned published outbox rows');
  }

  private wake(): void {
    this.notified = true;
    this.wakeUp?.();
  }

  /** Sleeps up to `ms`, or less when a NOTIFY (or stop) arrives. */
  private idle(ms: number): Promise<void> {
    if (this.notified || this.stopping || this.connectionLost) {
      this.notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}

function oldestAge(rows: OutboxRow[]): number {
  let oldest = 0;
  for (const row of rows) oldest = Math.max(oldest, row.age);
  return oldest;
}

function relayMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    published: new Counter({ name: 'outbox_published_total', help: 'outbox rows published and acknowledged by JetStream', registers }),
    failures: new Counter({ name: 'outbox_publish_failures_total', help: 'outbox rows whose publish failed (retried)', registers }),
    batchSize: new Histogram({ name: 'outbox_batch_size', help: 'rows per relay round', buckets: [1, 10, 50, 100, 250, 500, 1000, 2000], registers }),
    batchSeconds: new Histogram({ name: 'outbox_batch_publish_seconds', help: 'time from first publish to last PubAck of a round', registers }),
    backlog: new Gauge({ name: 'outbox_backlog', help: 'unpublished outbox rows (0 on a standby relay)', registers }),
    oldestAge: new Gauge({ name: 'outbox_oldest_unpublished_age_seconds', help: 'age of the oldest unpublished outbox row (0 on a standby relay)', registers }),
    active: new Gauge({ name: 'outbox_relay_active', help: '1 while this process is the active relay of its service', registers }),
  };
}
