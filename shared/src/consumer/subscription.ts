import type { Knex } from 'knex';
import type { EventEnvelope } from '../events/envelope.js';
import type { EventPayloads, EventType } from '../events/contracts.js';
import type { Logger } from '../logger.js';
import type { ConsumerDeclaration } from '../nats/topology.js';

/** What a handler may do besides reading its event: write in the transaction, and emit events through the outbox. */
export interface HandlerContext {
  trx: Knex.Transaction;
  outbox: {
    add<T extends EventType>(type: T, fields: { subject: string; data: EventPayloads[T] }): Promise<EventEnvelope<T>>;
  };
  log: Logger;
  now: Date;
  /** how many times JetStream has delivered this message: 1 the first time */
  delivery: number;
}

export type EventHandler<T extends EventType> = (event: EventEnvelope<T>, context: HandlerContext) => Promise<void>;

/**
 * Runs once when a message is dead-lettered after its retries ran out, in its own transaction,
 * so a service can still publish the failure event and no order is left waiting.
 */
export type ExhaustedHandler<T extends EventType> = (event: EventEnvelope<T>, context: HandlerContext & { error: unknown }) => Promise<void>;

export interface Subscription<T extends EventType = EventType> {
  consumer: ConsumerDeclaration & { event: T };
  handle: EventHandler<T>;
  onExhausted?: ExhaustedHandler<T> | undefined;
}

/** One row of a worker's subscription table. */
export function subscribe<T extends EventType>(
  consumer: ConsumerDeclaration & { event: T },
  handle: EventHandler<T>,
  onExhausted?: ExhaustedHandler<T>,
): Subscription {
  return { consumer, handle, onExhausted } as unknown as Subscription;
}
