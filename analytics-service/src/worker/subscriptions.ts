import { declareConsumer, subscribe, type AnyEventEnvelope, type ConsumerDeclaration, type EventHandler, type EventType, type LockKey, type Subscription } from '@order-platform/shared';
import { SERVICE } from '../config.js';
import { onEvent } from './handlers/on-event.js';

/**
 * Every domain event that makes a figure, one durable consumer per subject (nats-server 2.9
 * allows one filter subject per consumer). They start at the first message each stream still
 * holds (DeliverPolicy.All, shared/src/nats/topology.ts): a new deployment backfills.
 */
export const consumedEvents = [
  'orders.created',
  'orders.confirmed',
  'orders.cancelled',
  'stock.reserved',
  'stock.rejected',
  'stock.released',
  'stock.low',
  'payments.captured',
  'payments.failed',
  'payments.refunded',
] as const satisfies readonly EventType[];

/** The durable consumers the migrator declares for this service. */
export const consumers: ConsumerDeclaration[] = consumedEvents.map((event) => declareConsumer(SERVICE, event));

/**
 * Handlers of different consumers write the same order's row: a batch takes its orders' locks
 * first, in one order, so two batches never wait for each other crosswise.
 */
const ORDER_LOCKS = 0x616e6c00; // "anl\0"
const orderLock = (event: AnyEventEnvelope): LockKey[] => ('orderId' in event.data ? [{ space: ORDER_LOCKS, key: event.data.orderId }] : []);

/** The subscription table: every consumer feeds the read model through the same handler. */
export function subscriptions(): Subscription[] {
  // one handler for every type: the envelope is the union of all of them
  const handle = onEvent as EventHandler<EventType>;
  const locks = orderLock as (event: unknown) => LockKey[];
  return consumers.map((consumer) => subscribe<EventType>(consumer, handle, { locks }));
}
