import type { EventEnvelope } from '../events/envelope.js';
import type { EventType } from '../events/contracts.js';
import type { ConsumerDeclaration } from '../nats/topology.js';
import type { UnitOfWork } from '../unit-of-work.js';

/**
 * What a handler gets besides its event: its batch's unit of work, the one every use case takes
 * (a handler passes it on as it is), and what only the message knows.
 */
export interface MessageWork extends UnitOfWork {
  /** how many times JetStream has delivered this message: 1 the first time */
  readonly delivery: number;
}

export type EventHandler<T extends EventType> = (event: EventEnvelope<T>, work: MessageWork) => Promise<void>;

/**
 * Runs once when a message is dead-lettered after its retries ran out, in its own transaction,
 * so a service can still publish the failure event and no order is left waiting.
 */
export type ExhaustedHandler<T extends EventType> = (event: EventEnvelope<T>, work: MessageWork & { error: unknown }) => Promise<void>;

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
   * Within a batch, messages that share no lock run side by side on its connection, and those
   * that share one in delivery order (consumer/batch.ts, `lanesOf`); a subscription without
   * locks runs its batches one message after another.
   */
  locks?: ((event: EventEnvelope<T>) => LockKey[]) | undefined;
  /**
   * Loads, once per batch, what its handlers would each read (a row per message, locked) into
   * `work.prefetched`, so a batch reads with one statement instead of one per message. Called
   * with every event of the batch, in delivery order (which of them are duplicates is not known
   * yet), as soon as the statement that takes the batch's locks is sent: its statement goes
   * behind that one, in the same round trip, and Postgres runs it once the locks are taken.
   * Handlers must give the same result with or without it: they read what is
   * not prefetched themselves (a batch run again with savepoints, after a failure, prefetches
   * nothing), and keep what they write in it (see `Prefetched`). If it fails, the batch runs
   * again with savepoints and without it.
   */
  prefetch?: ((events: EventEnvelope<T>[], work: UnitOfWork) => Promise<void>) | undefined;
}

export interface Subscription<T extends EventType = EventType> extends SubscriptionOptions<T> {
  consumer: ConsumerDeclaration & { event: T };
  handle: EventHandler<T>;
}

/** One row of a worker's subscription table. */
export function subscribe<T extends EventType>(consumer: ConsumerDeclaration & { event: T }, handle: EventHandler<T>, options: SubscriptionOptions<T> = {}): Subscription {
  return { consumer, handle, ...options } as unknown as Subscription;
}
