import type { Knex } from 'knex';
import { newEvent, type EventEnvelope } from '../events/envelope.js';
import type { EventPayloads, EventType } from '../events/contracts.js';
import { currentLogContext } from '../logger.js';

/**
 * Writes events to the outbox inside the caller's transaction, so the event exists exactly
 * when the state change does. The payload is validated here: a producer never emits an event
 * its consumers would reject.
 */
export class Outbox {
  constructor(readonly source: string) {}

  async add<T extends EventType>(
    trx: Knex.Transaction,
    type: T,
    fields: { subject: string; data: EventPayloads[T]; time: Date },
  ): Promise<EventEnvelope<T>> {
    const traceparent = currentLogContext()?.['traceparent'];
    const event = newEvent(type, {
      source: this.source,
      subject: fields.subject,
      data: fields.data,
      time: fields.time,
      traceparent: typeof traceparent === 'string' ? traceparent : undefined,
    });
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
  }
}
