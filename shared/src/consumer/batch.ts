import type { Knex } from 'knex';
import { PooledTransaction } from '../db/pooled-transaction.js';
import type { Logger } from '../logger.js';
import type { TakenMarks } from '../outbox/mark-writer.js';
import type { AfterCommit, Outbox } from '../outbox/outbox.js';
import { PendingEvents, PendingNotifications, PendingRows, Prefetched, SentWrites, type UnitOfWork } from '../unit-of-work.js';
import type { MessageScope } from './message-scope.js';
import type { LockKey, MessageWork } from './subscription.js';

/** One message of a batch: what runs for it, and, once the batch is done, how it went. */
export interface BatchItem {
  /** the processed-messages key: the event id, or `<id>:exhausted` for the on-exhausted hook */
  key: string;
  delivery: number;
  /** advisory locks taken for the whole batch before any handler runs */
  locks: LockKey[];
  scope: MessageScope;
  run(work: MessageWork): Promise<void>;
  result?: { kind: 'handled' } | { kind: 'duplicate' } | { kind: 'failed'; error: unknown };
}

export interface BatchDeps {
  db: Knex;
  outbox: Outbox;
  clock: () => Date;
  log: Logger;
}

// One statement records the batch's keys as processed, answers which are new and, when any is,
// takes the batch's locks: each column an array parameter, zipped by unnest; the locks one
// after another in the arrays' order (unnest keeps it), and only once the insert is done (the
// count reads all of it), so a batch never holds a lock while it waits on another's uncommitted key.
const insertProcessed = `with fresh as (
    insert into processed_messages (consumer, message_id, subject, entity_id, stream_seq, deliveries, trace_id)
    select $1, m.* from unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::int4[], $7::text[]) as m
    on conflict do nothing returning message_id
  ),
  locked as (
    select count(pg_advisory_xact_lock(space, hashtext(key))) from unnest($8::int[], $9::text[]) as lock(space, key)
    where (select count(*) from fresh) > 0
  )
  select message_id from fresh, locked`;
const forgetProcessed = 'delete from processed_messages where consumer = $1 and message_id = any($2::text[])';
const findProcessed = 'select message_id from processed_messages where consumer = $1 and message_id = any($2::text[])';

/** Which of `keys` this consumer has processed already (a redelivery whose acks were all lost). */
export async function processedAlready(db: Knex, durable: string, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await db.raw<{ rows: { message_id: string }[] }>(findProcessed.replaceAll(/\$[12]/g, '?'), [durable, keys]);
  return new Set(rows.map((r) => r.message_id));
}

/**
 * Handles a batch in one transaction: one statement records every key as processed and
 * answers which are new; the handlers of the new ones run in delivery order, those of messages
 * that share no lock side by side (see `runLanes`); the rows they
 * deferred (`UnitOfWork.bulk`) are written with one statement per kind, their events with one
 * insert, sent with the commit. Each item's `result` says how it went. Throws only when the transaction
 * itself failed: then nothing of it was committed.
 *
 * A handler that fails must not take the others with it. The first pass runs without
 * savepoints (a savepoint is a round trip per message, and handlers rarely fail): when one
 * fails, its transaction is rolled back and the rest of the batch runs again, this time with a
 * savepoint per message, so any further failure is rolled back alone (and its key forgotten)
 * while the others commit. A failed handler's deferred rows and events are forgotten with it.
 * When the database refuses the first pass's deferred rows, the whole batch runs again with
 * savepoints, each message's rows written in its own. Running a handler again after a rollback
 * is what a redelivery does anyway, so handlers are already safe to re-run.
 *
 * With `prefetch` (the subscription's), the first pass loads what its handlers will read in one
 * go, in the same round trip as the processed insert and behind it, so once the locks are taken;
 * a pass with savepoints does without it.
 *
 * Handlers of one batch that touch the same row see each other's writes in delivery order,
 * exactly as if they had run one by one, as long as their subscriptions' locks say which rows
 * they share (messages with a lock in common run one after another, in delivery order; deferred
 * rows and events join the batch's in delivery order, and no one reads them before the end). A
 * key seen twice in one batch runs once.
 */
export async function handleBatch<Item extends BatchItem>(deps: BatchDeps, durable: string, items: Item[], prefetch?: Prefetch<Item>): Promise<void> {
  const first = await runInTransaction(deps, durable, items, { savepoints: false, prefetch });
  if (first.kind === 'committed') return;
  if (first.kind === 'rows-refused') deps.log.warn({ err: first.error }, 'the deferred rows of a batch were refused: running it again message by message');
  if (first.kind === 'prefetch-failed') deps.log.warn({ err: first.error }, 'the prefetch of a batch failed: running it again message by message');
  const rest = first.kind === 'handler-failed' ? items.filter((item) => item !== first.item) : items;
  for (const item of rest) delete item.result;
  if (rest.length > 0) await runInTransaction(deps, durable, rest, { savepoints: true });
}

/**
 * A subscription's `prefetch` for the items about to run (see `SubscriptionOptions.prefetch`).
 * Only the first pass prefetches: a pass with savepoints rolls a failed handler back alone, and
 * what that handler had set in `prefetched` would outlive it; its handlers read for themselves.
 */
export type Prefetch<Item extends BatchItem> = (items: Item[], work: UnitOfWork) => Promise<void>;

/** How a pass ended, when it did not throw. */
type PassEnd = { kind: 'committed' } | { kind: 'handler-failed'; item: BatchItem } | { kind: 'rows-refused'; error: unknown } | { kind: 'prefetch-failed'; error: unknown };

/**
 * One pass over a batch in one transaction. Without savepoints, the first handler that fails
 * ends the pass: everything is rolled back and that item is returned (the others have no
 * result); so does a refusal of the rows deferred by all of them together (which message's row
 * it was, only a pass with savepoints can tell). With savepoints, each message's deferred rows
 * are written in its savepoint, so a row the database refuses fails its own message, like any
 * statement of its handler: every item gets its result and the pass commits.
 */
async function runInTransaction<Item extends BatchItem>(deps: BatchDeps, durable: string, items: Item[], { savepoints, prefetch }: { savepoints: boolean; prefetch?: Prefetch<Item> | undefined }): Promise<PassEnd> {
  const transaction = await PooledTransaction.begin(deps.db);
  const { trx, connection } = transaction;
  let marks: TakenMarks | undefined;
  try {
    const now = deps.clock();
    // one unit of work for the pass: its deferred rows and its events are written at the end
    const events = new PendingEvents(deps.outbox, now);
    const rows = new PendingRows();
    // writes handlers send without waiting (UnitOfWork.send), each with the message it is for
    const sent = new SentWrites<Item | undefined>(connection);
    const notifications = new PendingNotifications();
    const uow: UnitOfWork = {
      trx,
      outbox: events,
      bulk: rows,
      send: (write) => sent.send(write, undefined),
      notifyAfterCommit: (channel, payload) => notifications.add(channel, payload),
      prefetched: new Prefetched(),
      now,
      log: deps.log,
    };
    const inserting = connection.query<{ message_id: string }>({ name: 'processed-insert', text: insertProcessed, values: [durable, ...processedColumns(items), ...sortedLocks(items)] });
    // The prefetch goes right behind the insert, without waiting for its answer: Postgres runs
    // it once the insert, and the locks it takes, are done, and the two cost one round trip. It
    // reads for every message of the batch, as which of them are duplicates is not known yet
    // (what it reads for a duplicate is never used).
    const prefetching = prefetch ? outcomeOf(prefetch(items, uow)) : undefined;
    const inserted = await inserting.catch(async (error: unknown) => {
      await prefetching;
      throw error;
    });
    const fresh = new Set(inserted.rows.map((row) => row.message_id));
    const toRun: Item[] = [];
    for (const item of items) {
      if (fresh.delete(item.key)) toRun.push(item);
      else item.result = { kind: 'duplicate' };
    }
    if (prefetching) {
      const prefetched = await prefetching;
      const failed = prefetched.failed ? prefetched : undefined;
      if (failed) {
        await transaction.rollback();
        for (const item of items) delete item.result;
        return { kind: 'prefetch-failed', error: failed.error };
      }
    }
    const forgotten: string[] = [];
    if (!savepoints) {
      const failed = await runLanes(uow, toRun, sent, { events, rows, notifications, outbox: deps.outbox });
      if (failed) {
        // its statement may have been refused only because a write another message sent before
        // it failed (and aborted the transaction): that message is the one that failed
        const failedWrite = await sent.settled();
        const blamed = failedWrite?.owner ?? failed;
        if (failedWrite) blamed.result = { kind: 'failed', error: failedWrite.error };
        await transaction.rollback();
        for (const other of items) if (other !== blamed) delete other.result;
        return { kind: 'handler-failed', item: blamed };
      }
    }
    let open = false;
    for (const item of savepoints ? toRun : []) {
      await connection.query(open ? 'release savepoint handler; savepoint handler' : 'savepoint handler');
      open = true;
      const own = { events: new PendingEvents(deps.outbox, now), rows: new PendingRows(), notifications: new PendingNotifications() };
      await runItem(uow, item, sent, own);
      // its sent writes are answered before it is taken for handled, inside its savepoint
      const failedWrite = await sent.settled();
      if (failedWrite && item.result?.kind !== 'failed') item.result = { kind: 'failed', error: failedWrite.error };
      if (item.result?.kind === 'handled') await writeRowsOf(item, own.rows, trx);
      // (a refusal of its rows has failed it)
      if (item.result?.kind === 'handled') {
        events.takeFrom(own.events);
        notifications.takeFrom(own.notifications);
        continue;
      }
      await connection.query('rollback to savepoint handler');
      forgotten.push(item.key);
    }
    if (forgotten.length > 0) await connection.query({ name: 'processed-forget', text: forgetProcessed, values: [durable, forgotten] });
    // The pass's last writes, its deferred rows and its events, go with its COMMIT, in the same
    // write, without waiting for their answers first: if one fails, the COMMIT rolls back and
    // fails too (db/pipelining-client.ts). Each call sends its statements as it is made, so they
    // leave in this order, the COMMIT last. A COMMIT that failed (a write refused, the connection
    // lost to a database restart) is a failure of the pass: taken for a success, the batch would
    // be acked with nothing of it committed, its messages lost without a trace.
    const writing = outcomeOf(rows.sendOn(connection));
    let handOff: AfterCommit | undefined;
    const writingEvents = outcomeOf(events.sendOn(connection).then((after) => (handOff = after)));
    // without a notifier, the notifications go in the transaction (their failure is the commit's)
    const notifier = deps.outbox.commitNotifier;
    if (!notifier) void outcomeOf(notifications.sendOn(connection));
    // the marks this process's relay has waiting go with this COMMIT, not in one of their own
    marks = deps.outbox.takeMarks();
    const marking = marks ? outcomeOf(marks.sendOn(connection)) : undefined;
    const committing = outcomeOf(transaction.commit());
    const [written, eventsWritten, committed, marked] = await Promise.all([writing, writingEvents, committing, marking]);
    // a write a handler sent without waiting failed: the COMMIT rolled back, and its message is
    // the one that failed (a pass with savepoints has waited for each message's already)
    const failedWrite = await sent.settled();
    if (failedWrite) {
      await transaction.rollback();
      const blamed = failedWrite.owner;
      if (!blamed) throw failedWrite.error;
      for (const item of items) if (item !== blamed) delete item.result;
      blamed.result = { kind: 'failed', error: failedWrite.error };
      return { kind: 'handler-failed', item: blamed };
    }
    if (written.failed) {
      await transaction.rollback();
      for (const item of items) delete item.result;
      return { kind: 'rows-refused', error: written.error };
    }
    if (eventsWritten.failed) throw eventsWritten.error;
    // (a refused mark rolled the batch back with it: a redelivery runs it again, the writer marks)
    if (marked?.failed) throw marked.error;
    if (committed.failed) throw committed.error;
    marks?.committed();
    handOff?.();
    if (notifier) notifications.sendBy(notifier);
    return { kind: 'committed' };
  } catch (error) {
    await transaction.rollback();
    throw error;
  } finally {
    // not committed (a failed write, refused rows, a failed COMMIT): the writer marks them itself
    marks?.released();
  }
}

/** How a promise settled, without throwing. */
function outcomeOf(promise: Promise<unknown>): Promise<{ failed: false } | { failed: true; error: unknown }> {
  return promise.then(
    () => ({ failed: false }) as const,
    (error: unknown) => ({ failed: true, error }) as const,
  );
}

/** Deletes processed-message rows older than `retentionMs` (keep it longer than the stream's max age); a failure is logged, not thrown. */
export async function pruneProcessed(db: Knex, retentionMs: number, log: Logger): Promise<number> {
  const result = await db
    .raw<{ rowCount: number }>('delete from processed_messages where processed_at < now() - make_interval(secs => ?)', [retentionMs / 1000])
    .catch((error: unknown) => {
      log.warn({ err: error }, 'could not prune processed messages');
      return { rowCount: 0 };
    });
  return result.rowCount;
}

/** The processed-messages rows of a batch, one per key (the first item of a key), as column arrays. */
function processedColumns(items: BatchItem[]): [string[], string[], (string | null)[], number[], number[], (string | null)[]] {
  const columns: ReturnType<typeof processedColumns> = [[], [], [], [], [], []];
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.key)) continue;
    seen.add(item.key);
    const { subject, entityId, streamSeq, traceId } = item.scope.handled;
    columns[0].push(item.key);
    columns[1].push(subject);
    columns[2].push(entityId);
    columns[3].push(streamSeq);
    columns[4].push(item.delivery);
    columns[5].push(traceId);
  }
  return columns;
}

/**
 * Every lock the batch's handlers need, sorted (all batches take shared locks in one order), as
 * the two array parameters of the processed insert. A duplicate's locks are taken too when the
 * batch has anything new: harmless, and it keeps the insert and the locks one round trip.
 */
function sortedLocks(items: BatchItem[]): [number[], string[]] {
  const locks = new Map<string, LockKey>();
  for (const item of items) for (const lock of item.locks) locks.set(`${lock.space}\u0000${lock.key}`, lock);
  const sorted = [...locks.values()].sort((a, b) => a.space - b.space || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return [sorted.map((l) => l.space), sorted.map((l) => l.key)];
}

/** What one message's handler added: its events, deferred rows and notifications, the batch's once it is handled. */
interface Own {
  events: PendingEvents;
  rows: PendingRows;
  notifications: PendingNotifications;
}

/**
 * Runs the handlers of a pass without savepoints, those of messages that share no lock at the
 * same time (`lanesOf`), on the pass's one connection: the statements of many handlers leave in
 * one write and are answered in one read, where one after another each waited for its own round
 * trip (and a charge at the gateway for the one before). When all are handled, each one's events
 * and deferred rows join the batch's in delivery order, as if they had run one by one. When one
 * fails, no lane starts another message; once the running ones are done, the message to blame
 * is returned: the first that failed of its own accord, not because another's failed statement
 * had aborted the transaction under it (in_failed_sql_transaction).
 */
async function runLanes<Item extends BatchItem>(uow: UnitOfWork, items: Item[], sent: SentWrites<Item | undefined>, batch: Own & { outbox: Outbox }): Promise<Item | undefined> {
  const owns = new Map<Item, Own>();
  const failures: Item[] = [];
  const runLane = async (lane: Item[]): Promise<void> => {
    for (const item of lane) {
      if (failures.length > 0) return;
      const own = { events: new PendingEvents(batch.outbox, uow.now), rows: new PendingRows(), notifications: new PendingNotifications() };
      owns.set(item, own);
      await runItem(uow, item, sent, own);
      if (item.result?.kind === 'failed') failures.push(item);
    }
  };
  await Promise.all(lanesOf(items).map(runLane));
  if (failures.length > 0) return failures.find((item) => !abortedByAnother(item)) ?? failures[0];
  for (const item of items) {
    const own = owns.get(item)!;
    batch.events.takeFrom(own.events);
    batch.rows.takeFrom(own.rows);
    batch.notifications.takeFrom(own.notifications);
  }
  return undefined;
}

/** A statement refused only because the transaction had been aborted by an earlier one. */
function abortedByAnother(item: BatchItem): boolean {
  return item.result?.kind === 'failed' && (item.result.error as { code?: unknown } | null)?.code === '25P02';
}

/**
 * The messages of a batch in lanes: those that share a lock (transitively) in one lane, in
 * delivery order; lanes share no lock, so what runs in one cannot touch what another does any
 * more than two replicas' batches can (the locks are what keeps those apart). A message that
 * declares no lock may touch anything: then the batch is one lane.
 */
export function lanesOf<Item extends BatchItem>(items: Item[]): Item[][] {
  if (items.some((item) => item.locks.length === 0)) return items.length > 0 ? [items] : [];
  const parent = new Map<string, string>();
  const root = (key: string): string => {
    let at = key;
    for (let up = parent.get(at)!; up !== at; up = parent.get(at)!) {
      parent.set(at, parent.get(up)!);
      at = up;
    }
    return at;
  };
  const keysOf = (item: BatchItem): string[] => item.locks.map((lock) => `${lock.space}\u0000${lock.key}`);
  for (const item of items) {
    const [first, ...rest] = keysOf(item);
    if (!parent.has(first!)) parent.set(first!, first!);
    for (const key of rest) {
      if (!parent.has(key)) parent.set(key, key);
      parent.set(root(key), root(first!));
    }
  }
  const lanes = new Map<string, Item[]>();
  for (const item of items) {
    const lane = root(keysOf(item)[0]!);
    const found = lanes.get(lane);
    if (found) found.push(item);
    else lanes.set(lane, [item]);
  }
  return [...lanes.values()];
}

/** Runs one handler in the pass's unit of work, with its message's delivery count; what it sends, adds and defers is its own. */
async function runItem<Item extends BatchItem>(uow: UnitOfWork, item: Item, sent: SentWrites<Item | undefined>, own: Own): Promise<void> {
  const work: MessageWork = {
    trx: uow.trx,
    outbox: own.events,
    bulk: own.rows,
    send: (write) => sent.send(write, item),
    notifyAfterCommit: (channel, payload) => own.notifications.add(channel, payload),
    prefetched: uow.prefetched,
    now: uow.now,
    log: uow.log,
    delivery: item.delivery,
  };
  try {
    await item.scope.run(() => item.run(work));
    item.result = { kind: 'handled' };
  } catch (error) {
    item.result = { kind: 'failed', error };
  }
}

/** Writes the rows one handler deferred, in its savepoint: a refusal fails that message. */
async function writeRowsOf(item: BatchItem, rows: PendingRows, trx: Knex.Transaction): Promise<void> {
  try {
    await rows.writeIn(trx);
  } catch (error) {
    item.result = { kind: 'failed', error };
  }
}
