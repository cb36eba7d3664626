import type { Knex } from 'knex';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { newEvent, type EventEnvelope } from '../events/envelope.js';
import type { EventPayloads, EventType } from '../events/contracts.js';
import { currentLogContext } from '../logger.js';
import { contextOf, spanFailed, traceparentOf, tracer } from '../tracing.js';

/**
 * Writes events to the outbox inside the caller's transaction, so the event exists exactly
 * when the state change does. The payload is validated here: a producer never emits an event
 * its consumers would reject.
 *
 * Each write is a `<type> create` span, child of the request or message being handled, and
 * the row keeps that span's traceparent: the relay's publish span continues from it.
 */
export class Outbox {
  private readonly service: string;

  constructor(readonly source: string) {
    this.service = source.replace(/^\//, '');
  }

  async add<T extends EventType>(
    trx: Knex.Transaction,
    type: T,
    fields: { subject: string; data: EventPayloads[T]; time: Date },
  ): Promise<EventEnvelope<T>> {
    const inherited = currentLogContext()?.['traceparent'];
    const parent = typeof inherited === 'string' ? inherited : undefined;
    // The active span when tracing is on; the request's or message's traceparent when it is off.
    const span = tracer(this.service).startSpan(
      `${type} create`,
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.operation.type': 'create', 'messaging.destination.name': type } },
      trace.getActiveSpan() ? context.active() : contextOf(parent),
    );
    try {
      const event = newEvent(type, { source: this.source, subject: fields.subject, data: fields.data, time: fields.time, traceparent: traceparentOf(span) ?? parent });
      span.setAttribute('messaging.message.id', event.id);
      await trx('outbox').insert({
        id: event.id,
        type: event.type,
        source: event.source,
        subject: event.subject,
        time: event.time,
        traceparent: event.traceparent ?? null,
        data: JSON.stringify(event.data),
      });
      return event;
    } catch (error) {
      spanFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }
}
