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

/**
 * A transaction-scoped Postgres advisory lock, in the two-key form: `space` keeps a service's
 * kinds of lock apart, `key` (hashed with `hashtext`) names what it guards.
 */
export interface LockKey {
  space: number;
  key: string;
}

export interface SubscriptionOptions<T extends EventType> {
  onExhausted?: ExhaustedHandler<T> | undefined;
  /**
   * The locks a handler of this event needs: every row it locks or writes that a handler of
   * another message may also lock. A batch takes the locks of all its messages first, in one
   * order shared by every batch, so batches that touch the same rows in different orders wait
   * for each other instead of deadlocking. A handler may take the same lock again (it holds it).
   */
  locks?: ((event: EventEnvelope<T>) => LockKey[]) | undefined;
}

export interface Subscription<T extends EventType = EventType> extends SubscriptionOptions<T> {
  consumer: ConsumerDeclaration & { event: T };
  handle: EventHandler<T>;
}

/** One row of a worker's subscription table. */
export function subscribe<T extends EventType>(consumer: ConsumerDeclaration & { event: T }, handle: EventHandler<T>, options: SubscriptionOptions<T> = {}): Subscription {
  return { consumer, handle, ...options } as unknown as Subscription;
}
