import pg from 'pg';
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { NatsConnection } from '@nats-io/transport-node';
import { envelopeHeaders } from '../events/envelope.js';
import { isEventType } from '../events/contracts.js';
import type { Logger } from '../logger.js';
import { AsyncPublisher } from '../nats/async-publisher.js';
import type { Topology } from '../nats/topology.js';

export interface RelayOptions {
  db: Knex;
  /** for the relay's own connection, which holds the leader lock and LISTENs */
  databaseUrl: string;
  nc: NatsConnection;
  topology: Topology;
  log: Logger;
  registry?: Registry | undefined;
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

interface OutboxRow {
  id: string;
  seq: number;
  type: string;
  source: string;
  subject: string;
  time: Date;
  traceparent: string | null;
  data: string;
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
  private readonly options: Required<Omit<RelayOptions, 'registry'>>;
  private readonly publisher: AsyncPublisher;
  private readonly encoder = new TextEncoder();
  private readonly metrics;
  private running: Promise<void> | undefined;
  private stopping = false;
  private connectionLost = false;
  private notified = false;
  private wakeUp: (() => void) | undefined;
  private leader = false;

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
    } as Required<Omit<RelayOptions, 'registry'>>;
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
          log.info('outbox relay active');
          await this.publishUntilStopped(client);
        }
      } catch (error) {
        log.error({ err: error }, 'outbox relay failed; retrying');
      } finally {
        if (this.leader) log.info('outbox relay standing down');
        this.leader = false;
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
    const inFlight = new Set<{ range: SeqRange; done: Promise<void> }>();
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
        const batch = {
          range: [rows[0]!.seq, rows.at(-1)!.seq] as SeqRange,
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
      `select id, seq, type, source, subject, time, traceparent, data::text as data
         from outbox
        where published_at is null ${conditions}
        order by seq
        limit $1`,
      params,
    );
    return result.rows;
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

  private publishRow(row: OutboxRow): Promise<unknown> {
    if (!isEventType(row.type)) return Promise.reject(new Error(`outbox row ${row.id} has unknown type ${row.type}`));
    const headers = envelopeHeaders({
      id: row.id,
      type: row.type,
      source: row.source,
      subject: row.subject,
      time: row.time.toISOString(),
      traceparent: row.traceparent ?? undefined,
    });
    return this.publisher.publish(this.options.topology.subject(row.type), this.encoder.encode(row.data), headers);
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
    const backlog = await db.raw<{ rows: { count: string; oldest: Date | null }[] }>(
      'select count(*) as count, min(created_at) as oldest from outbox where published_at is null',
    );
    const row = backlog.rows[0];
    this.metrics.backlog.set(Number(row?.count ?? 0));
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

function relayMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    published: new Counter({ name: 'outbox_published_total', help: 'outbox rows published and acknowledged by JetStream', registers }),
    failures: new Counter({ name: 'outbox_publish_failures_total', help: 'outbox rows whose publish failed (retried)', registers }),
    batchSize: new Histogram({ name: 'outbox_batch_size', help: 'rows per relay round', buckets: [1, 10, 50, 100, 250, 500, 1000, 2000], registers }),
    batchSeconds: new Histogram({ name: 'outbox_batch_publish_seconds', help: 'time from first publish to last PubAck of a round', registers }),
    backlog: new Gauge({ name: 'outbox_backlog', help: 'unpublished outbox rows at the last prune', registers }),
  };
}
