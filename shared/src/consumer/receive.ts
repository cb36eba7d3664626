import type { JsMsg } from '@nats-io/jetstream';
import { AppError } from '../errors.js';
import { parseEnvelope, type AnyEventEnvelope } from '../events/envelope.js';
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
    const event = parseEnvelope(message);
    if (event.type !== subscription.consumer.event) throw new TypeError(`expected ${subscription.consumer.event}, got ${event.type}`);
    // NATS permissions keep other services off a domain's subjects; this catches what slips past them
    if (event.source !== ownerSourceOf(event.type)) throw new AppError('bad_request', `ce-source ${event.source} is not the owner of ${event.type}`);
    return { message, event, scope: new MessageScope(service, subscription.consumer.durable, event.type, message, event.id, event.subject) };
  } catch (error) {
    return { message, poison: error };
  }
}
