import pg from 'pg';
import type { Knex } from 'knex';
import type { Registry } from 'prom-client';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logger.js';
import type { Topology } from '../nats/topology.js';
import { MarkWriter, type TakenMarks } from './mark-writer.js';
import { PublishLoop } from './publish-loop.js';
import { BacklogGauges, relayMetrics } from './relay-metrics.js';
import type { RelayHandOff } from './outbox.js';
import { countUnpublished, prunePublished, type OutboxRow } from './relay-queries.js';
import { RowPublisher } from './row-publisher.js';
import { WakeSignal } from './wake-signal.js';
import { ident } from '../db/roles.js';

export interface RelayOptions {
  /** for pruning published rows */
  db: Knex;
  /** for the relay's own connections: one holds the leader lock and LISTENs, one marks rows */
  databaseUrl: string;
  nc: NatsConnection;
  topology: Topology;
  log: Logger;
  registry?: Registry | undefined;
  /** names the relay's publish spans; defaults to the row's source */
  service?: string;
  batchSize?: number;
  /** batches publishing at once */
  pipelineDepth?: number;
  /** fallback when a NOTIFY is lost (or a row was written without the trigger) */
  pollIntervalMs?: number;
  /** after a wake-up while batches are still out, how long to let more commits arrive before selecting (an idle relay selects at once); 0: never */
  gatherMs?: number;
  /** how long a mark of published rows waits, so the marks of several rounds go out as one update; 0: at once */
  markDelayMs?: number;
  /** how often a standby replica tries to become the active relay */
  leaderRetryMs?: number;
  publishTimeoutMs?: number;
  /** published rows are deleted after this long */
  retentionMs?: number;
  pruneIntervalMs?: number;
  /**
   * Other channels this process listens on, on the active relay's connection: a NOTIFY on one
   * calls its function. Postgres wakes every listening connection of a database at each
   * notifying commit, whatever its channel, so a listening connection of their own would be
   * woken at every outbox insert of the api as well; this one is woken by those anyway. Heard
   * only while this relay is the active one, so each must have a poll of its own to fall back on.
   */
  channels?: Record<string, () => void>;
}

type Settings = Required<Omit<RelayOptions, 'registry' | 'service'>> & { service?: string | undefined };

// One key for every relay of a database; advisory locks are scoped to the database, and each
// service has its own, so this elects one relay per service.
const LEADER_LOCK_KEY = 0x6f7574626f78; // "outbox"

/**
 * Publishes committed outbox rows to JetStream. One relay per service is active at a time: it
 * holds a session-level advisory lock on its own connection, so when its process dies the lock
 * goes with the connection and a standby replica takes over within `leaderRetryMs`.
 *
 * The active relay's rounds are the `PublishLoop`'s. A row published but not marked (crash,
 * lost connection) is published again; JetStream drops it as a duplicate through Nats-Msg-Id
 * within the stream's duplicate window, and consumers are idempotent beyond it.
 */
export class OutboxRelay implements RelayHandOff {
  private readonly options: Settings;
  /** the active term's loop */
  private loop: PublishLoop | undefined;
  private readonly publisher: RowPublisher;
  private readonly metrics;
  private readonly signal = new WakeSignal();
  private running: Promise<void> | undefined;
  private stopping = false;
  private connectionLost = false;
  private leader = false;

  constructor(options: RelayOptions) {
    this.options = {
      batchSize: 1000,
      pipelineDepth: 3,
      pollIntervalMs: 1000,
      gatherMs: 1,
      markDelayMs: 0,
      leaderRetryMs: 1000,
      publishTimeoutMs: 5000,
      retentionMs: 24 * 3600 * 1000,
      pruneIntervalMs: 60_000,
      channels: {},
      ...options,
    } as Settings;
    this.metrics = relayMetrics(options.registry);
    this.publisher = new RowPublisher(options.nc, this.options.publishTimeoutMs, options.topology, this.metrics, options.log, options.service);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** Rows committed next are taken from their writer (see `RelayHandOff`): this relay is the active one and publishing. */
  get accepting(): boolean {
    return this.leader && !this.stopping && (this.loop?.accepting ?? false);
  }

  /**
   * Publishes rows a writer of this process has just committed (their insert sent no NOTIFY).
   * When the term ended since the writer asked, whichever relay is active now is woken the usual
   * way, by a NOTIFY, so the rows do not wait for its poll.
   */
  handOff(rows: OutboxRow[]): void {
    const loop = this.loop;
    if (this.leader && loop?.accepting) return loop.handOff(rows);
    this.options.db.raw("select pg_notify('outbox', '')").catch((error: unknown) => this.options.log.warn({ err: error }, 'could not wake the outbox relay for rows handed off after its term ended; its poll will find them'));
  }

  /** The marks of this relay's published rows that wait for their delay, taken for a transaction of its process about to commit (see `MarkWriter`). */
  takeMarks(): TakenMarks | undefined {
    return this.loop?.takeMarks();
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.signal.wake();
    await this.running;
    this.publisher.close();
  }

  private async run(): Promise<void> {
    const { log, leaderRetryMs } = this.options;
    while (!this.stopping) {
      this.connectionLost = false;
      const client = this.connection('outbox-relay');
      let marker: pg.Client | undefined;
      const { channels } = this.options;
      client.on('notification', ({ channel }) => {
        const heard = channel === 'outbox' ? undefined : channels[channel];
        if (heard) heard();
        else this.signal.wake();
      });
      try {
        await client.connect();
        if (await this.acquireLeadership(client)) {
          marker = this.connection('outbox-relay-marks');
          await marker.connect();
          // The mark's prepared plan would otherwise be the one made for the outbox as it was at
          // the relay's start, nearly empty: a sequential scan, reading every row kept for the
          // retention period on each mark (a mark and an insert of 10 rows took 11 ms with 50,000
          // rows kept, 1.6 ms with 1,000).
          await marker.query('set enable_seqscan = off');
          // A mark need not wait for its WAL to reach the disk: one lost in a crash publishes its
          // rows again, which JetStream drops as duplicates (Nats-Msg-Id), as after any crash
          // before a mark. At 60 orders/s, Postgres was woken 9 times an order fewer (92, 91 → 82, 83).
          await marker.query('set synchronous_commit = off');
          await client.query(['outbox', ...Object.keys(channels)].map((channel) => `listen ${ident(channel)}`).join('; '));
          // This connection is the relay's alone. The outbox churns faster than its statistics
          // follow, and with stale ones the planner sorts every unpublished row (tens of ms)
          // instead of walking the partial index in seq order (about one ms per batch).
          await client.query('set enable_bitmapscan = off; set enable_seqscan = off; set enable_sort = off');
          this.leader = true;
          this.metrics.active.set(1);
          log.info('outbox relay active');
          this.loop = this.publishLoop(client, marker);
          await this.loop.run();
        }
      } catch (error) {
        log.error({ err: error }, 'outbox relay failed; retrying');
      } finally {
        if (this.leader) log.info('outbox relay standing down');
        this.leader = false;
        this.loop = undefined;
        // the active relay reports the backlog; a standby's last figures would only go stale
        this.metrics.active.set(0);
        this.metrics.backlog.set(0);
        this.metrics.oldestAge.set(0);
        for (const c of [client, marker]) {
          c?.removeAllListeners('end');
          await c?.end().catch(() => undefined);
        }
      }
      // a lost connection ends the term; the next one starts after the pause, not in a hot loop
      this.connectionLost = false;
      if (!this.stopping) await this.pause(leaderRetryMs);
    }
  }

  private publishLoop(client: pg.Client, marker: pg.Client): PublishLoop {
    const { batchSize, pipelineDepth, pollIntervalMs, gatherMs, pruneIntervalMs, log } = this.options;
    return new PublishLoop({
      client,
      publisher: this.publisher,
      marks: new MarkWriter(marker, this.options.markDelayMs),
      backlog: new BacklogGauges(this.metrics, batchSize, () => countUnpublished(client)),
      signal: this.signal,
      log,
      halted: () => this.stopping || this.connectionLost,
      prune: () => this.prune(),
      batchSize,
      pipelineDepth,
      pollIntervalMs,
      gatherMs,
      pruneIntervalMs,
    });
  }

  /** A connection of the relay's; losing it ends the active term (and the leader lock). */
  private connection(name: string): pg.Client {
    const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: name, keepAlive: true });
    const lost = (error?: Error): void => {
      if (!this.connectionLost && !this.stopping) this.options.log.warn({ err: error }, 'outbox relay lost its database connection');
      this.connectionLost = true;
      this.signal.wake();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    return client;
  }

  private async acquireLeadership(client: pg.Client): Promise<boolean> {
    let announced = false;
    while (!this.stopping && !this.connectionLost) {
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [LEADER_LOCK_KEY]);
      if (rows[0]?.locked) return true;
      if (!announced) this.options.log.info('another outbox relay is active; standing by');
      announced = true;
      await this.pause(this.options.leaderRetryMs);
    }
    return false;
  }

  /** Sleeps `ms`, or less when the relay stops or loses its connection. */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && !this.connectionLost && Date.now() < until) await this.signal.wait(until - Date.now());
  }

  private async prune(): Promise<void> {
    const { db, retentionMs, log } = this.options;
    const rows = await prunePublished(db, retentionMs, () => this.stopping);
    if (rows > 0) log.info({ rows }, 'pruned published outbox rows');
  }
}
