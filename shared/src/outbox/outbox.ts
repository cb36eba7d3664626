import type { Knex } from 'knex';
import { connectionOf, type RawConnection } from '../db/statements.js';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { newEvent, type EventEnvelope } from '../events/envelope.js';
import type { EventPayloads, EventType } from '../events/contracts.js';
import { currentLogContext } from '../logger.js';
import { isTracing, contextOf, spanFailed, traceparentOf, tracer } from '../tracing.js';

/** An event made and validated, not yet written: what `Outbox.insertMany` takes. */
export type PendingEvent = EventEnvelope;

// an outbox row's columns, and each one's type as an array parameter
const columns = 'id, type, source, subject, time, traceparent, data';
const arrayTypes = ['uuid', 'text', 'text', 'text', 'timestamptz', 'text', 'json'];

/** The one statement that writes any number of events: arrays, so its text never changes and pg can prepare it. */
const insertRows = `insert into outbox (${columns})
  select * from unnest(${arrayTypes.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`;

/**
 * The same insert with knex's `?` bindings (`outboxColumns(events)` are its values), for a use
 * case that writes its state with one statement to write its events in that statement too, as
 * a CTE: one statement is atomic, so it needs no transaction (and no BEGIN and COMMIT round
 * trips). Add a `where` to write them only when the state was written.
 */
export const insertOutboxRows = `insert into outbox (${columns})
  select * from unnest(${arrayTypes.map((type) => `?::${type}[]`).join(', ')})`;

/** The values of `insertOutboxRows` (and of the outbox's own insert): one array per column, the events in order. */
export function outboxColumns(events: readonly PendingEvent[]): unknown[][] {
  const values: unknown[][] = [[], [], [], [], [], [], []];
  for (const event of events) {
    values[0]!.push(event.id);
    values[1]!.push(event.type);
    values[2]!.push(event.source);
    values[3]!.push(event.subject);
    values[4]!.push(event.time);
    values[5]!.push(event.traceparent ?? null);
    values[6]!.push(JSON.stringify(event.data));
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

  constructor(readonly source: string) {
    this.service = source.replace(/^\//, '');
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
    await this.sendMany(await connectionOf(trx), events);
  }

  /** `insertMany` on a transaction's connection, sent now (in this tick): the consumer loop sends it with the batch's COMMIT. */
  async sendMany(connection: RawConnection, events: readonly PendingEvent[]): Promise<void> {
    if (events.length === 0) return;
    await connection.query({ name: 'outbox-insert', text: insertRows, values: outboxColumns(events) });
  }
}
