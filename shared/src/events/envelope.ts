import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { AppError } from '../errors.js';
import { validator, type Validator } from '../validation.js';
import { eventSchemas, eventTypes, isEventType, type EventPayloads, type EventType } from './contracts.js';

/**
 * A CloudEvents 1.0 event in binary mode: attributes travel as `ce-*` NATS headers, the body
 * is the JSON `data`. `Nats-Msg-Id` equals `ce-id` so JetStream drops republished duplicates.
 */
export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  source: string;
  /** the order id or sku the event is about */
  subject: string;
  time: string;
  traceparent?: string | undefined;
  data: EventPayloads[T];
}

export type AnyEventEnvelope = { [T in EventType]: EventEnvelope<T> }[EventType];

const dataValidators = Object.fromEntries(
  eventTypes.map((type) => [type, validator(eventSchemas[type], `${type} payload`)]),
) as unknown as { [T in EventType]: Validator<EventPayloads[T]> };

export function validateEventData<T extends EventType>(type: T, data: unknown): EventPayloads[T] {
  return dataValidators[type](data) as EventPayloads[T];
}

export function newEvent<T extends EventType>(
  type: T,
  fields: { source: string; subject: string; data: EventPayloads[T]; time: Date; traceparent?: string | undefined },
): EventEnvelope<T> {
  return {
    id: randomUUID(),
    type,
    source: fields.source,
    subject: fields.subject,
    time: fields.time.toISOString(),
    traceparent: fields.traceparent,
    data: validateEventData(type, fields.data),
  };
}

export function envelopeHeaders(event: Pick<EventEnvelope, 'id' | 'type' | 'source' | 'subject' | 'time' | 'traceparent'>): MsgHdrs {
  const h = natsHeaders();
  h.set('Nats-Msg-Id', event.id);
  h.set('ce-specversion', '1.0');
  h.set('ce-id', event.id);
  h.set('ce-type', event.type);
  h.set('ce-source', event.source);
  h.set('ce-subject', event.subject);
  h.set('ce-time', event.time);
  h.set('content-type', 'application/json');
  if (event.traceparent) h.set('traceparent', event.traceparent);
  return h;
}

const decoder = new TextDecoder();

/**
 * Reads and validates an event from a NATS message. Anything wrong (missing attributes,
 * unknown type, bad JSON, schema violation) is a `bad_request`: poison, never retried.
 */
export function parseEnvelope(message: { headers?: MsgHdrs | undefined; data: Uint8Array }): AnyEventEnvelope {
  const h = message.headers;
  const attr = (name: string): string => {
    const value = h?.get(name) ?? '';
    if (!value) throw new AppError('bad_request', `missing header ${name}`);
    return value;
  };
  if (attr('ce-specversion') !== '1.0') throw new AppError('bad_request', 'unsupported ce-specversion');
  const type = attr('ce-type');
  if (!isEventType(type)) throw new AppError('bad_request', `unknown event type ${type}`);
  let data: unknown;
  try {
    data = JSON.parse(decoder.decode(message.data));
  } catch (cause) {
    throw new AppError('bad_request', 'event body is not JSON', { cause });
  }
  return {
    id: attr('ce-id'),
    type,
    source: attr('ce-source'),
    subject: attr('ce-subject'),
    time: attr('ce-time'),
    traceparent: h?.get('traceparent') || undefined,
    data: validateEventData(type, data),
  } as AnyEventEnvelope;
}
