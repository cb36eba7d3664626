import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { AppError } from '../errors.js';
import { parseEnvelope, type AnyEventEnvelope } from '../events/envelope.js';
import type { EventType } from '../events/contracts.js';
import { ownerSourceOf } from '../nats/streams.js';
import { MessageScope } from './message-scope.js';
import type { Subscription } from './subscription.js';

/** A message as the consumer loop knows it: parsed, or the reason it cannot be. */
export type Received = { message: JsMsg; event: AnyEventEnvelope; scope: MessageScope } | { message: JsMsg; poison: unknown };

/**
 * Parses and checks a message: its schema, its type, and that its source owns the event. What
 * fails is poison, and never reaches a handler.
 */
export function receive(service: string, subscription: Subscription, message: JsMsg): Received {
  try {
    const event = envelopeFor(subscription.consumer.event, message);
    return { message, event, scope: new MessageScope(service, subscription.consumer.durable, event.type, message, event.id, event.subject) };
  } catch (error) {
    return { message, poison: error };
  }
}

/**
 * The envelope a consumer of `expected` is given for a message, or the error that makes the
 * message poison. The consumer loop and a replay request (which rebuilds the envelope from a dead
 * letter's headers and body) both read messages through it.
 */
export function envelopeFor(expected: EventType, message: { headers?: MsgHdrs | undefined; data: Uint8Array }): AnyEventEnvelope {
  const event = parseEnvelope(message);
  if (event.type !== expected) throw new TypeError(`expected ${expected}, got ${event.type}`);
  // NATS permissions keep other services off a domain's subjects; this catches what slips past them
  if (event.source !== ownerSourceOf(event.type)) throw new AppError('bad_request', `ce-source ${event.source} is not the owner of ${event.type}`);
  return event;
}
