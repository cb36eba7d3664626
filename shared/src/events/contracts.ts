import type { Static } from '@sinclair/typebox';
import { orderEvents } from './orders.js';
import { paymentEvents } from './payments.js';
import { stockEvents } from './stock.js';

/**
 * Every event contract (docs/architecture.md, "Events"): one schema per event type, written once
 * in the module of its stream; its TypeScript type is derived from it. Producers validate before
 * writing the outbox; consumers validate before handling. Each event carries what its consumers
 * need (event-carried state transfer).
 */
export * from './fields.js';
export * from './orders.js';
export * from './stock.js';
export * from './payments.js';

/** Event type -> payload schema. The event type is also the NATS subject (before any namespace). */
export const eventSchemas = { ...orderEvents, ...stockEvents, ...paymentEvents } as const;

export type EventType = keyof typeof eventSchemas;

/** Event type -> payload type. */
export type EventPayloads = { [T in EventType]: Static<(typeof eventSchemas)[T]> };

export const eventTypes = Object.keys(eventSchemas) as EventType[];

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(eventSchemas, value);
}
