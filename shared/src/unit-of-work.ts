import type { Knex } from 'knex';
import type { CommitNotifier } from './db/commit-notifier.js';
import { connectionOf, type RawConnection } from './db/statements.js';
import { PooledTransaction } from './db/pooled-transaction.js';
import type { EventEnvelope } from './events/envelope.js';
import type { EventPayloads, EventType } from './events/contracts.js';
import type { Logger } from './logger.js';
import type { AfterCommit, Outbox, PendingEvent } from './outbox/outbox.js';

/** Where a use case records the events its state change causes: they are written with it, in its transaction. */
export interface EventWriter {
  /** Makes and validates the event now (a bad payload throws here); it is written before the transaction commits. */
  add<T extends EventType>(type: T, fields: { subject: string; data: EventPayloads[T] }): EventEnvelope<T>;
}

/**
 * A write a unit of work defers to its end, to make it for all its rows with one statement
 * instead of one per row: for rows nothing later in the unit reads back (a read model's facts,
 * a log). Rows of one key are merged in memory first, since one `insert … on conflict do update`
 * may not affect a row twice.
 */
export interface BulkWrite<Row> {
  /** the prepared statement's name: one per kind of write in the process */
  readonly name: string;
  /** one statement for any number of rows: column arrays zipped by `unnest`, so the text never changes */
  readonly text: string;
  /** the statement's parameters for `rows` (no two of one key) */
  values(rows: readonly Row[]): unknown[];
  key(row: Row): string;
  /** what the statement leaves for `earlier` then `later` (same key), as one row: run once, it must leave the same */
  merge(earlier: Row, later: Row): Row;
}

/** Where a use case defers rows to the end of its unit of work (see `BulkWrite`). */
export interface BulkWriter {
  add<Row>(write: BulkWrite<Row>, row: Row): void;
}

/** A write whose answer its use case does not need: a named statement and its values (see `UnitOfWork.send`). */
export interface Write {
  name: string;
  text: string;
  values: unknown[];
  /**
   * Called with the error when the write fails, before the error is anyone's to log: to take
   * out what must never be logged (Postgres describes a refused row with its values).
   */
  withhold?: (error: unknown) => void;
}

/**
 * What every use case that changes state works in, whichever entry point calls it: an api
 * use case opens one with `inTransaction`, the consumer loop opens one per batch and hands it to
 * each handler. `now` is the unit's one time, for the state it writes and the events it adds.
 * Rows deferred to `bulk` are written before its events, each kind with one statement.
 */
export interface UnitOfWork {
  readonly trx: Knex.Transaction;
  readonly outbox: EventWriter;
  readonly bulk: BulkWriter;
  /**
   * Sends a write on the unit's connection now, without waiting for its answer: what the unit
   * sends after it runs after it (a connection answers in order), so later reads see it, and
   * writes sent one after another leave in one socket write (db/pipelining-client.ts). For a
   * write whose outcome the use case does not read (a transition saved, a row recorded). Its
   * failure is its use case's, as if awaited: the consumer loop waits for a message's writes
   * before it takes the message for handled (at the commit, or in its savepoint), and
   * `inTransaction` before it commits.
   */
  send(write: Write): void;
  /**
   * Asks for a NOTIFY on `channel` with `payload` once the unit has committed: a wake-up for a
   * listener of what it wrote (a status stream), never data. It goes out after the commit, in a
   * transaction of its own (`CommitNotifier`), so the unit's commit is not serialized with every
   * other notifying transaction on the cluster, as a NOTIFY inside it (or a trigger's) would be;
   * the statement that writes the change keeps its table's trigger silent. A unit rolled back (a
   * batch's message rolled back to its savepoint) sends none. Without a notifier (a process not
   * built by `openResources`), it is sent in the transaction, before the commit.
   */
  notifyAfterCommit(channel: string, payload: string): void;
  /** rows loaded for the unit's use cases ahead of them (a consumer batch's `prefetch`); empty unless a prefetch filled it */
  readonly prefetched: Prefetched;
  readonly now: Date;
  readonly log: Logger;
}

/** What `inTransaction` needs: a process's database, outbox, clock and logger (a service's `Resources` have them). */
export interface UnitOfWorkDeps {
  db: Knex;
  outbox: Outbox;
  clock: () => Date;
  log: Logger;
}

/**
 * Runs `work` in one transaction and writes the rows it deferred and the events it added before
 * the commit; a throw rolls back all of it. The api's path: a request, one transaction.
 */
export async function inTransaction<R>(deps: UnitOfWorkDeps, work: (uow: UnitOfWork) => Promise<R>): Promise<R> {
  const transaction = await PooledTransaction.begin(deps.db);
  const { trx, connection } = transaction;
  try {
    const now = deps.clock();
    const events = new PendingEvents(deps.outbox, now);
    const rows = new PendingRows();
    const notifications = new PendingNotifications();
    const sent = new SentWrites(connection);
    const result = await work({
      trx,
      outbox: events,
      bulk: rows,
      send: (write) => sent.send(write, undefined),
      notifyAfterCommit: (channel, payload) => notifications.add(channel, payload),
      prefetched: new Prefetched(),
      now,
      log: deps.log,
    });
    const failed = await sent.settled();
    if (failed) throw failed.error;
    await rows.sendOn(connection);
    const handOff = await events.sendOn(connection);
    const notifier = deps.outbox.commitNotifier;
    if (!notifier) await notifications.sendOn(connection);
    await transaction.commit();
    handOff?.();
    if (notifier) notifications.sendBy(notifier);
    return result;
  } catch (error) {
    await transaction.rollback();
    throw error;
  }
}

/**
 * The writes a unit of work has sent without waiting (`UnitOfWork.send`), each with the message
 * (or other owner) it was sent for, so that a failure is blamed on its owner: the first failed
 * write is the unit's failure, and a later statement refused only because the transaction was
 * aborted by it (in_failed_sql_transaction) is not its own statement's fault.
 */
export class SentWrites<Owner = unknown> {
  private readonly pending: Array<Promise<void>> = [];
  private failure: { owner: Owner; error: unknown } | undefined;

  constructor(private readonly connection: RawConnection) {}

  send(write: Write, owner: Owner): void {
    const { name, text, values, withhold } = write;
    this.pending.push(
      this.connection.query({ name, text, values }).then(
        () => undefined,
        (error: unknown) => {
          withhold?.(error);
          this.failure ??= { owner, error };
        },
      ),
    );
  }

  /** Once every write sent so far is answered: the first that failed since the last call, with its owner, if one did. */
  async settled(): Promise<{ owner: Owner; error: unknown } | undefined> {
    await Promise.all(this.pending.splice(0));
    const failure = this.failure;
    this.failure = undefined;
    return failure;
  }
}

/** A kind of row a unit of work can hold prefetched: its name, and (for the compiler) the type of its rows. */
export interface PrefetchedKind<Row> {
  readonly name: string;
  readonly row?: Row;
}

/**
 * Rows read (and locked) once for all the use cases of a unit of work, instead of one by one:
 * a consumer batch's `prefetch` adds them before the handlers of a pass run. `get` answers the
 * row; `null` when it was looked for and does not exist; `undefined` when it was not looked for,
 * and the use case reads it itself. A use case that writes such a row `update`s it in the same
 * step, so a later one of the unit reads what the database holds.
 *
 * Rolled-back writes are never read from here: only a pass without savepoints prefetches (see
 * `handleBatch`), and a failure there rolls the whole pass back, this with it; in a pass with
 * savepoints nothing is prefetched and `update` holds nothing new, so a handler rolled back to
 * its savepoint leaves no row behind.
 */
export class Prefetched {
  private readonly kinds = new Map<string, Map<string, unknown>>();

  get<Row>(kind: PrefetchedKind<Row>, key: string): Row | null | undefined {
    return this.kinds.get(kind.name)?.get(key) as Row | null | undefined;
  }

  /** What a prefetch found for `key`: the row, or `null` for none. */
  add<Row>(kind: PrefetchedKind<Row>, key: string, row: Row | null): void {
    const rows = this.kinds.get(kind.name) ?? new Map<string, unknown>();
    this.kinds.set(kind.name, rows);
    rows.set(key, row);
  }

  /** A prefetched row's new value, as just written; a row not prefetched stays so. */
  update<Row>(kind: PrefetchedKind<Row>, key: string, row: Row): void {
    const rows = this.kinds.get(kind.name);
    if (rows?.has(key)) rows.set(key, row);
  }
}

/**
 * The events a unit of work has added and not yet written, in the order added. The consumer
 * loop keeps one per message, and moves those of each message that was handled into the
 * batch's (`takeFrom`, in delivery order), which are written with one insert.
 */
export class PendingEvents implements EventWriter {
  private readonly events: PendingEvent[] = [];

  constructor(
    private readonly outbox: Outbox,
    private readonly now: Date,
  ) {}

  add<T extends EventType>(type: T, fields: { subject: string; data: EventPayloads[T] }): EventEnvelope<T> {
    const event = this.outbox.prepare(type, { subject: fields.subject, data: fields.data, time: this.now });
    this.events.push(event);
    return event;
  }

  /** Moves `other`'s events behind these, in their order. */
  takeFrom(other: PendingEvents): void {
    for (const event of other.events.splice(0)) this.events.push(event);
  }

  writeIn(trx: Knex.Transaction): Promise<void> {
    return this.outbox.insertMany(trx, this.events);
  }

  /**
   * Sends their insert on the transaction's connection now, in this tick; the promise says how it
   * went, and answers what to call once the transaction has committed (`Outbox.sendMany`).
   */
  sendOn(connection: RawConnection): Promise<AfterCommit | undefined> {
    return this.outbox.sendMany(connection, this.events);
  }
}

/**
 * The notifications a unit of work has asked for once it commits (`UnitOfWork.notifyAfterCommit`),
 * each channel and payload once. The consumer loop keeps one per message and moves those of each
 * message that was handled into the batch's, like its events.
 */
export class PendingNotifications {
  private readonly wanted = new Map<string, Set<string>>();

  add(channel: string, payload: string): void {
    const payloads = this.wanted.get(channel) ?? new Set<string>();
    this.wanted.set(channel, payloads);
    payloads.add(payload);
  }

  /** Moves `other`'s notifications into these. */
  takeFrom(other: PendingNotifications): void {
    for (const [channel, payloads] of other.wanted) for (const payload of payloads) this.add(channel, payload);
    other.wanted.clear();
  }

  /** After the commit: asks `notifier` for each, and holds none after. */
  sendBy(notifier: CommitNotifier): void {
    for (const [channel, payloads] of this.wanted) for (const payload of payloads) notifier.notify(channel, payload);
    this.wanted.clear();
  }

  /** Without a notifier: sends them in the transaction, now (in this tick), before its COMMIT. */
  sendOn(connection: RawConnection): Promise<void> {
    const sent = [...this.wanted].map(([channel, payloads]) =>
      connection.query({ name: 'notify-in-transaction', text: 'select pg_notify($1, payload) from unnest($2::text[]) as payload', values: [channel, [...payloads]] }),
    );
    this.wanted.clear();
    return Promise.all(sent).then(() => undefined);
  }
}

/**
 * The rows a unit of work has deferred and not yet written, in the order added. Like
 * `PendingEvents`, the consumer loop keeps one per message and moves those of a handled message
 * into the batch's in delivery order. Rows are merged only when written, so the merge follows
 * that order whatever order the handlers ran in.
 */
export class PendingRows implements BulkWriter {
  private readonly rows: Array<{ write: BulkWrite<unknown>; row: unknown }> = [];

  add<Row>(write: BulkWrite<Row>, row: Row): void {
    this.rows.push({ write: write as BulkWrite<unknown>, row });
  }

  /** Moves `other`'s rows behind these, in their order. */
  takeFrom(other: PendingRows): void {
    for (const row of other.rows.splice(0)) this.rows.push(row);
  }

  /** Writes every pending row, one statement per kind of write (in the order each was first added), and holds none after. */
  async writeIn(trx: Knex.Transaction): Promise<void> {
    if (this.rows.length === 0) return;
    await this.sendOn(await connectionOf(trx));
  }

  /**
   * `writeIn` on the transaction's connection, every statement sent now, in this tick, without
   * waiting for the answer of the one before (the pools pipeline, db/pipelining-client.ts); the
   * promise settles once all are answered, with the first one's error if any failed.
   */
  sendOn(connection: RawConnection): Promise<void> {
    if (this.rows.length === 0) return Promise.resolve();
    const byWrite = new Map<BulkWrite<unknown>, Map<string, unknown>>();
    for (const { write, row } of this.rows.splice(0)) {
      const byKey = byWrite.get(write) ?? new Map<string, unknown>();
      byWrite.set(write, byKey);
      const key = write.key(row);
      byKey.set(key, byKey.has(key) ? write.merge(byKey.get(key), row) : row);
    }
    const sent = [...byWrite].map(([write, byKey]) => connection.query({ name: write.name, text: write.text, values: write.values([...byKey.values()]) }));
    return Promise.allSettled(sent).then((outcomes) => {
      const failed = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
    });
  }
}
