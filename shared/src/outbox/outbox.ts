import type { Knex } from 'knex';
import { connectionOf, type RawConnection } from '../db/statements.js';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { newEvent, type EventEnvelope } from '../events/envelope.js';
import type { EventPayloads, EventType } from '../events/contracts.js';
import { currentLogContext } from '../logger.js';
import { isTracing, contextOf, spanFailed, traceparentOf, tracer } from '../tracing.js';
import type { CommitNotifier } from '../db/commit-notifier.js';
import type { TakenMarks } from './mark-writer.js';
import type { OutboxRow } from './relay-queries.js';

/** An event made and validated, not yet written: what `Outbox.insertMany` takes. */
export type PendingEvent = EventEnvelope;

// an outbox row's columns, and each one's type as an array parameter
const columns = 'id, type, source, subject, time, traceparent, data';
const arrayTypes = ['uuid', 'text', 'text', 'text', 'timestamptz', 'text', 'json'];

/**
 * A condition (always true) that keeps the outbox trigger silent for the statement it is part of,
 * as for a hand-off: for a writer of `insertOutboxRows` whose outbox wakes the relay after the
 * commit (`Outbox.commitNotifier`), which then calls `Outbox.committed()`. Put it where the
 * statement evaluates it whatever it writes (its final select).
 */
export const outboxTriggerSilenced = `set_config('outbox.handed_off', 'on', true) = 'on'`;

/** The one statement that writes any number of events: arrays, so its text never changes and pg can prepare it. */
const insertRows = `insert into outbox (${columns})
  select * from unnest(${arrayTypes.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`;

/**
 * The same insert with knex's `?` bindings (`outboxColumns(events)` are its values), for a use
 * case that writes its state with one statement to write its events in that statement too, as
 * a CTE: one statement is atomic, so it needs no transaction (and no BEGIN and COMMIT round
 * trips). Add a `where` to write them only when the state was written. Its commit wakes the
 * relay by the NOTIFY trigger, unless the statement silences it for an outbox that wakes
 * it after the commit (`Outbox.commitNotifier`, with `outboxTriggerSilenced`).
 */
export const insertOutboxRows = `insert into outbox (${columns})
  select * from unnest(${arrayTypes.map((type) => `?::${type}[]`).join(', ')})`;

/**
 * The outbox's insert when the writer wakes the relay itself once it has committed (a
 * `CommitNotifier`): the trigger stays silent for this statement, as for a hand-off.
 */
const insertRowsQuietly = `insert into outbox (${columns})
  select ${columns} from unnest(${arrayTypes.map((type, i) => `$${i + 1}::${type}[]`).join(', ')}) as row(${columns})
   where ${outboxTriggerSilenced}`;

/**
 * The outbox's insert when the relay of the same process is active and takes the rows from the
 * writer once they are committed (`RelayHandOff`): it answers each row's seq, and tells the
 * NOTIFY trigger to stay silent for this statement (`outbox.handed_off`, which the trigger
 * resets), so the relay is neither woken nor sent to select what it has been handed.
 */
const insertRowsHandedOff = `insert into outbox (${columns})
  select ${columns} from unnest(${arrayTypes.map((type, i) => `$${i + 1}::${type}[]`).join(', ')}) as row(${columns})
   where ${outboxTriggerSilenced}
  returning id, seq`;

/**
 * What a process's own relay offers the writers of that process (OutboxRelay): rows committed
 * while it is the active relay are handed to it, published at once, without the NOTIFY, the
 * wake-up and the select a commit otherwise costs.
 */
export interface RelayHandOff {
  /** the relay is active now: rows committed next will be taken (a term that ends meanwhile leaves them to the next active relay's select) */
  readonly accepting: boolean;
  /** publishes rows just committed (in seq order) */
  handOff(rows: OutboxRow[]): void;
  /** the marks of published rows waiting for their delay, for a transaction about to commit to send with its COMMIT */
  takeMarks?(): TakenMarks | undefined;
}

/** After the commit: hands the rows written to the relay (see `RelayHandOff`). */
export type AfterCommit = () => void;

/** The values of `insertOutboxRows` (and of the outbox's own insert): one array per column, the events in order. */
export function outboxColumns(events: readonly PendingEvent[], data?: readonly string[]): unknown[][] {
  const values: unknown[][] = [[], [], [], [], [], [], []];
  for (const [i, event] of events.entries()) {
    values[0]!.push(event.id);
    values[1]!.push(event.type);
    values[2]!.push(event.source);
    values[3]!.push(event.subject);
    values[4]!.push(event.time);
    values[5]!.push(event.traceparent ?? null);
    values[6]!.push(data?.[i] ?? JSON.stringify(event.data));
  }
  return values;
}

/**
 * Writes events to the outbox inside the caller's transaction, so the event exists exactly
 * when the state change does. The payload is validated here: a producer never emits an event
 * its consumers would reject.
 *
 * Each event made is a `<type> create` span (when tracing is on), child of the request or
 * message being handled, and the row keeps that span's traceparent: the relay's publish span
 * continues from it. With tracing off the row keeps the incoming traceparent, so a trace id
 * still follows the order through every log line.
 */
export class Outbox {
  private readonly service: string;
  private relay: RelayHandOff | undefined;
  private notifier: CommitNotifier | undefined;

  constructor(readonly source: string) {
    this.service = source.replace(/^\//, '');
  }

  /** Hands the rows this outbox writes to `relay` once they are committed, while it is active (a worker process's own relay). */
  handOffTo(relay: RelayHandOff): void {
    this.relay = relay;
  }

  /**
   * Wakes the relay after the commit of rows not handed off (`notifier`), instead of by the
   * NOTIFY trigger inside their transaction, which would serialize their commit with every other
   * notifying transaction on the cluster (see `CommitNotifier`). Every process of a service has
   * one (`openResources`); without one, the trigger wakes the relay.
   */
  notifyAfterCommitBy(notifier: CommitNotifier): void {
    this.notifier = notifier;
  }

  /**
   * What notifies after commits for this process's writes (`UnitOfWork.notifyAfterCommit`), if
   * anything does. With one, a writer of `insertOutboxRows` may silence the trigger
   * (`outboxTriggerSilenced`), and then calls `committed()` after its commit.
   */
  get commitNotifier(): CommitNotifier | undefined {
    return this.notifier;
  }

  /**
   * The marks of rows this process's relay has published that wait for their delay (see
   * `MarkWriter`), for a transaction about to commit: it sends their update before its COMMIT
   * and says whether it committed. Undefined when none wait or no relay of this process is active.
   */
  takeMarks(): TakenMarks | undefined {
    return this.relay?.takeMarks?.();
  }

  /** After the commit of rows written by `insertOutboxRows` with the trigger silenced: wakes the relay. */
  committed(): void {
    this.notifier?.notify('outbox');
  }

  /** Makes and validates one event and writes it in `trx`: the api's path, one event per request. */
  async add<T extends EventType>(trx: Knex.Transaction, type: T, fields: { subject: string; data: EventPayloads[T]; time: Date }): Promise<EventEnvelope<T>> {
    const event = this.prepare(type, fields);
    await this.insertMany(trx, [event]);
    return event;
  }

  /** Makes and validates one event without writing it: the consumer loop writes a batch's events with one `insertMany`. */
  prepare<T extends EventType>(type: T, fields: { subject: string; data: EventPayloads[T]; time: Date }): EventEnvelope<T> {
    const inherited = currentLogContext()?.['traceparent'];
    const parent = typeof inherited === 'string' ? inherited : undefined;
    if (!isTracing()) return newEvent(type, { source: this.source, subject: fields.subject, data: fields.data, time: fields.time, traceparent: parent });
    // the active span (a request's or a message's), else the incoming traceparent
    const span = tracer(this.service).startSpan(
      `${type} create`,
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.operation.type': 'create', 'messaging.destination.name': type } },
      trace.getActiveSpan() ? context.active() : contextOf(parent),
    );
    try {
      const event = newEvent(type, { source: this.source, subject: fields.subject, data: fields.data, time: fields.time, traceparent: traceparentOf(span) ?? parent });
      span.setAttribute('messaging.message.id', event.id);
      return event;
    } catch (error) {
      spanFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /** Writes prepared events in one statement, in the order given (their `seq` follows it). */
  async insertMany(trx: Knex.Transaction, events: readonly PendingEvent[]): Promise<void> {
    if (events.length === 0) return;
    // not handed off: nothing here hands them over after the commit, so the trigger wakes the relay
    await insertNotified(await connectionOf(trx), events);
  }

  /**
   * `insertMany` on a transaction's connection, sent now (in this tick): the consumer loop sends
   * it with the batch's COMMIT. When this process's relay is active, the rows are written for it
   * to take (no NOTIFY), and the answer is what to call once the transaction has committed: it
   * hands them over. Else, with a `CommitNotifier`, they are written without the trigger's NOTIFY
   * and the answer wakes the relay. A caller that does not call it (a rollback) leaves nothing
   * behind: the rows were never committed.
   */
  async sendMany(connection: RawConnection, events: readonly PendingEvent[]): Promise<AfterCommit | undefined> {
    if (events.length === 0) return undefined;
    const relay = this.relay;
    if (!relay?.accepting) {
      const notifier = this.notifier;
      if (!notifier) {
        await insertNotified(connection, events);
        return undefined;
      }
      await connection.query({ name: 'outbox-insert-quietly', text: insertRowsQuietly, values: outboxColumns(events) });
      return () => notifier.notify('outbox');
    }
    const data = events.map((event) => JSON.stringify(event.data));
    const { rows: written } = await connection.query<{ id: string; seq: string }>({ name: 'outbox-insert-handed-off', text: insertRowsHandedOff, values: outboxColumns(events, data) });
    const seqs = new Map(written.map((row) => [row.id, Number(row.seq)]));
    const rows: OutboxRow[] = events.map((event, i) => ({
      id: event.id,
      seq: seqs.get(event.id)!,
      type: event.type,
      source: event.source,
      subject: event.subject,
      time: event.time,
      traceparent: event.traceparent ?? null,
      data: data[i]!,
      age: 0,
    }));
    return () => relay.handOff(rows);
  }
}

/** The outbox's insert whose commit wakes the active relay (the NOTIFY trigger). */
async function insertNotified(connection: RawConnection, events: readonly PendingEvent[]): Promise<void> {
  await connection.query({ name: 'outbox-insert', text: insertRows, values: outboxColumns(events) });
}
