import type { JsMsg } from '@nats-io/jetstream';
import type { Knex } from 'knex';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AnyEventEnvelope } from '../events/envelope.js';
import { EXHAUSTED_TABLE, type HeldKind } from '../db/exhausted-table.js';
import type { Logger } from '../logger.js';
import type { Outbox } from '../outbox/outbox.js';
import { handleBatch, type BatchItem } from './batch.js';
import type { DeadLetterDeps } from './dead-letter.js';
import { runReplay } from './held-replay.js';
import { MessageScope } from './message-scope.js';
import { backoff, type RetryPolicy } from './retry.js';
import type { Subscription } from './subscription.js';

export interface LastResortOptions {
  service: string;
  db: Knex;
  outbox: Outbox;
  log: Logger;
  clock: () => Date;
  retry: RetryPolicy;
  subscriptions: Subscription[];
  deadLetters: DeadLetterDeps;
  registry?: Registry | undefined;
  /** how often held hooks are swept */
  sweepIntervalMs?: number;
  /**
   * how often replay requests are looked for when none is announced: each is announced on
   * REPLAY_CHANNEL as it is written, and `replayRequested` sweeps at once
   */
  replayIntervalMs?: number;
}

/** Where a held message came from: enough for its log lines and trace. */
export interface HeldOrigin {
  subject: string;
  seq: number;
  deliveries: number;
  traceparent?: string | undefined;
}

const SWEEP_BATCH = 20;
// a row being swept is leased this long, so another replica's sweep leaves it alone
const LEASE_SECONDS = 60;

/**
 * The durable last resort of an exhausted message. When its on-exhausted hook fails (the
 * database restarting, say), the message is not nak'ed into the server's last few deliveries:
 * it is written to `exhausted_messages` and terminated, and a sweep runs the hook again, with
 * growing delay, until it has run (its failure event is in the outbox). The hook runs under the
 * same processed-messages key as in the loop (`<event id>:exhausted`), so it runs once whichever
 * path gets there. Only when even that row cannot be written does the message go back to
 * JetStream (with growing delay, like any retry).
 *
 * The same table holds replay requests (`kind` = `handler`, written by the api, see
 * admin/replay-request.ts), swept often and run through the consumer's handler
 * (consumer/held-replay.ts).
 */
export class LastResort {
  private readonly options: Required<Omit<LastResortOptions, 'registry'>>;
  private readonly held: Gauge;
  private readonly replays: Counter;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly sweeping = new Map<HeldKind, Promise<unknown>>();
  /** kinds asked to sweep while a sweep of theirs ran: it may have looked before their rows were written */
  private readonly again = new Set<HeldKind>();
  private readonly restUntil = new Map<HeldKind, number>();
  private stopped = false;
  /** a retry of a replay was due when the timer fired: a sweep finding none looks again */
  private dueExpected = false;

  constructor(options: LastResortOptions) {
    this.options = { ...options, sweepIntervalMs: options.sweepIntervalMs ?? 5000, replayIntervalMs: options.replayIntervalMs ?? 5000 } as Required<Omit<LastResortOptions, 'registry'>>;
    const registers = options.registry ? [options.registry] : [];
    this.held = new Gauge({ name: 'consumer_exhausted_held', help: 'exhausted messages whose on-exhausted hook has not run yet (swept until it has)', registers });
    this.replays = new Counter({ name: 'consumer_replays_total', help: 'attempts of dead letters replayed through the worker, by consumer and outcome', labelNames: ['consumer', 'outcome'], registers });
  }

  start(): void {
    this.every(this.options.sweepIntervalMs, 'hook');
    this.every(this.options.replayIntervalMs, 'handler');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.sweeping.values());
  }

  /** A replay request was announced (REPLAY_CHANNEL): sweeps for it now, not at the next poll. */
  replayRequested(): void {
    this.sweepNow('handler');
  }

  /**
   * Sweeps rows of one kind every `ms`. Without requests, the replay sweep's poll was this
   * worker's largest cost when idle (four UPDATEs a second, about 8 ms of CPU a second per
   * worker); requests are announced instead, and the poll only catches what was not (a request
   * written while no relay listened, a replay's retry falling due).
   */
  private every(ms: number, kind: HeldKind): void {
    const timer = setInterval(() => this.sweepNow(kind), ms);
    timer.unref();
    this.timers.push(timer);
  }

  /**
   * One sweep of a kind at a time: asked for while one runs, another follows it. After a failed
   * sweep (the database away) the next waits the hook interval: a short poll would only fill the log.
   */
  private sweepNow(kind: HeldKind): void {
    if (this.stopped || Date.now() < (this.restUntil.get(kind) ?? 0)) return;
    if (this.sweeping.has(kind)) {
      this.again.add(kind);
      return;
    }
    const sweep = this.sweep(kind)
      .catch((error: unknown) => {
        this.restUntil.set(kind, Date.now() + this.options.sweepIntervalMs);
        this.options.log.error({ err: error, kind }, 'held-message sweep failed; will try again');
      })
      .finally(() => {
        this.sweeping.delete(kind);
        if (this.again.delete(kind)) this.sweepNow(kind);
      });
    this.sweeping.set(kind, sweep);
  }

  /** Keeps the message for the sweep; false when it could not be written (the caller retries it). */
  async hold(durable: string, event: AnyEventEnvelope, origin: HeldOrigin, error: unknown, log: Logger): Promise<boolean> {
    const reason = error instanceof Error ? error.message : String(error);
    try {
      await this.options.db(EXHAUSTED_TABLE)
        .insert({ consumer: durable, event_id: event.id, event: JSON.stringify(event), subject: origin.subject, stream_seq: origin.seq, deliveries: origin.deliveries, error: reason.slice(0, 2000) })
        .onConflict(['consumer', 'event_id', 'kind'])
        .ignore();
    } catch (writeError) {
      log.error({ err: writeError, cause: reason }, 'could not keep the exhausted message; JetStream redelivers it');
      return false;
    }
    log.error({ err: error }, 'exhausted message kept: its on-exhausted hook is swept until it runs');
    return true;
  }

  /** Runs the hook (or, for replay requests, the handler) of every due held row of one kind; returns how many are done. */
  async sweep(kind: HeldKind = 'hook'): Promise<number> {
    const { db, log } = this.options;
    // kind is one of two literals, inlined so the planner sees the replay sweep's partial index
    const due = await db.raw<{ rows: HeldRow[] }>(
      `update ${EXHAUSTED_TABLE} set next_attempt_at = now() + make_interval(secs => ?)
       where (consumer, event_id, kind) in (select consumer, event_id, kind from ${EXHAUSTED_TABLE} where kind = '${kind}' and next_attempt_at <= now() order by next_attempt_at limit ? for update skip locked)
       returning consumer, event_id, kind, event, subject, stream_seq, deliveries, hook_attempts, created_at`,
      [LEASE_SECONDS, SWEEP_BATCH],
    );
    let ran = 0;
    for (const row of due.rows) if (await (kind === 'hook' ? this.runHook(row) : runReplay({ ...this.options, replays: this.replays }, row))) ran++;
    if (kind === 'handler') {
      const expected = this.dueExpected;
      this.dueExpected = false;
      // a timer can fire a few milliseconds before Postgres's now() reaches the row (Node
      // counts from the event loop's cached time): then it is looked for again, not left to the poll
      if (due.rows.length > ran || (expected && due.rows.length === 0)) this.sweepWhenDue();
      return ran;
    }
    const counted = await db.raw<{ rows: { n: number }[] }>(`select count(*)::int as n from ${EXHAUSTED_TABLE} where kind = 'hook'`);
    this.held.set(counted.rows[0]?.n ?? 0);
    if (ran > 0) log.info({ ran }, 'on-exhausted hooks of kept messages ran');
    return ran;
  }

  /** A replay failed and waits for its retry: sweep when it falls due, not at the next poll. */
  private sweepWhenDue(): void {
    this.options.db
      .raw<{ rows: { ms: number | null }[] }>(`select (extract(epoch from min(next_attempt_at) - now()) * 1000)::float8 as ms from ${EXHAUSTED_TABLE} where kind = 'handler'`)
      .then(({ rows }) => {
        const ms = rows[0]?.ms;
        if (ms === null || ms === undefined || ms >= this.options.replayIntervalMs) return;
        const timer = setTimeout(() => {
          this.dueExpected = true;
          this.sweepNow('handler');
        }, Math.max(0, ms));
        timer.unref();
      })
      .catch((error: unknown) => this.options.log.warn({ err: error }, 'could not read when the next replay is due; the poll finds it'));
  }

  private async runHook(row: HeldRow): Promise<boolean> {
    const { db, log: baseLog, service, outbox, clock, retry } = this.options;
    const subscription = this.options.subscriptions.find((s) => s.consumer.durable === row.consumer);
    const event = heldEvent(row);
    const log = baseLog.child({ consumer: row.consumer, eventId: row.event_id });
    const hook = subscription?.onExhausted;
    if (!subscription || !hook) {
      log.error('a kept exhausted message has no on-exhausted hook here (another version of the worker?); left for an operator');
      return false;
    }
    const scope = new MessageScope(service, row.consumer, event.type, asMessage(row, event, row.deliveries), event.id, event.subject);
    const error = new Error(`retries ran out after ${row.deliveries} deliveries`);
    const item: BatchItem = { key: `${event.id}:exhausted`, delivery: row.deliveries, locks: subscription.locks?.(event as never) ?? [], scope, run: (context) => hook(event as never, { ...context, error }) };
    const failure = await handleBatch({ db, outbox, clock, log }, row.consumer, [item]).then(
      () => (item.result?.kind === 'failed' ? item.result.error : undefined),
      (transactionError: unknown) => transactionError,
    );
    if (failure === undefined) {
      await db(EXHAUSTED_TABLE).where({ consumer: row.consumer, event_id: row.event_id, kind: 'hook' }).delete();
      scope.end('dead_lettered');
      return true;
    }
    const attempts = row.hook_attempts + 1;
    const delayMs = backoff(attempts, retry);
    log.error({ err: failure, hookAttempts: attempts, delayMs }, 'on-exhausted hook of a kept message failed again; will retry');
    await db(EXHAUSTED_TABLE)
      .where({ consumer: row.consumer, event_id: row.event_id, kind: 'hook' })
      .update({ hook_attempts: attempts, error: String((failure as Error)?.message ?? failure).slice(0, 2000), next_attempt_at: db.raw('now() + make_interval(secs => ?)', [delayMs / 1000]) })
      .catch((updateError: unknown) => log.warn({ err: updateError }, 'could not record the failed attempt; the lease runs out and it is tried again'));
    scope.end('retried');
    return false;
  }
}

export interface HeldRow {
  consumer: string;
  event_id: string;
  kind: HeldKind;
  event: AnyEventEnvelope | string;
  subject: string;
  stream_seq: string;
  deliveries: number;
  hook_attempts: number;
  created_at: Date;
}

/** What MessageScope reads of a message (its trace parent, delivery count, subject, sequence), for one that is no longer in flight. */
export function asMessage(row: HeldRow, event: AnyEventEnvelope, delivery: number): JsMsg {
  const headers = { get: (name: string) => (name === 'traceparent' ? (event.traceparent ?? '') : '') };
  return { subject: row.subject, seq: Number(row.stream_seq), headers, info: { deliveryCount: delivery } } as unknown as JsMsg;
}

export function heldEvent(row: HeldRow): AnyEventEnvelope {
  return (typeof row.event === 'string' ? JSON.parse(row.event) : row.event) as AnyEventEnvelope;
}
