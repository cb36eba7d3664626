import type { EventEnvelope, EventHandler, ExhaustedHandler, LockKey } from '@order-platform/shared';
import { deliverNotification, deliveryLock, giveUpNotification, type DeliveryDeps } from '../domain/deliver-notification.js';
import type { Announced, RequestOf } from '../domain/notification-requests.js';

/**
 * The handler of every consumed event is the same use case: what differs per event (template,
 * key, values, audience) is its request builder in domain/notification-requests.ts, so the
 * subscription table pairs each event with its builder instead of four identical handler files.
 */
export function deliverOn<T extends Announced>(deps: DeliveryDeps, requestOf: RequestOf<T>): EventHandler<T> {
  return async (event, work) => {
    await deliverNotification(deps, requestOf(event), work);
  };
}

/** Retries ran out: the log says `failed` (the event is in the DLQ and can be replayed). */
export function giveUpOn<T extends Announced>(deps: DeliveryDeps, requestOf: RequestOf<T>): ExhaustedHandler<T> {
  return (event, work) => giveUpNotification(deps, requestOf(event), work.error, work.log);
}

/** A delivery runs under its dedup key's lock; a batch takes its deliveries' locks first, in one order. */
export function lockOn<T extends Announced>(requestOf: RequestOf<T>): (event: EventEnvelope<T>) => LockKey[] {
  return (event) => [deliveryLock(requestOf(event).dedupKey)];
}
