import { subscribe, type ConsumerDeclaration, type EventEnvelope, type EventHandler, type ExhaustedHandler, type LockKey, type Subscription } from '@order-platform/shared';
import { deliverForOrder, orderLock, recordOrderAccepted, recordOrderAcceptedWithoutHeld } from '../domain/deliver-for-order.js';
import { deliveryLock, giveUpNotification, type DeliveryDeps } from '../domain/deliver-notification.js';
import type { Announced, RequestOf } from '../domain/notification-requests.js';

/**
 * The subscription of an event that asks for a notification. The handler of every such event is
 * the same use case: what differs per event (template, key, values, audience) is its request
 * builder in domain/notification-requests.ts, so the subscription table pairs each event with its
 * builder instead of four identical handler files. The handler and its locks are paired here, not
 * in the table: deliverForOrder takes no lock of its own because the batch took `lockOn`'s first
 * (also on every other path that runs a handler: the on-exhausted hooks, the sweeps, replays).
 */
export function deliverySubscription<T extends Announced>(consumer: ConsumerDeclaration & { event: T }, deps: DeliveryDeps, requestOf: RequestOf<T>): Subscription {
  return subscribe(consumer, deliverOn(deps, requestOf), { onExhausted: giveUpOn(deps, requestOf), locks: lockOn(requestOf) });
}

function deliverOn<T extends Announced>(deps: DeliveryDeps, requestOf: RequestOf<T>): EventHandler<T> {
  return async (event, work) => {
    await deliverForOrder(deps, requestOf(event), work);
  };
}

/** orders.created: what was held for the order goes out (and nothing is ever sent for an order without one). */
export function acceptOn(deps: DeliveryDeps): EventHandler<'orders.created'> {
  return async (event, work) => {
    await recordOrderAccepted(deps, { orderId: event.data.orderId, customerId: event.data.customerId }, work);
  };
}

/** Retries ran out: the log says `failed` (the event is in the DLQ and can be replayed). */
function giveUpOn<T extends Announced>(deps: DeliveryDeps, requestOf: RequestOf<T>): ExhaustedHandler<T> {
  return (event, work) => giveUpNotification(deps, requestOf(event), work.error, work.log);
}

/** A delivery runs under its dedup key's lock; a batch takes its deliveries' locks first, in one order. */
function lockOn<T extends Announced>(requestOf: RequestOf<T>): (event: EventEnvelope<T>) => LockKey[] {
  return (event) => {
    const request = requestOf(event);
    return [deliveryLock(request.dedupKey), ...(request.orderId ? [orderLock(request.orderId)] : [])];
  };
}

export const acceptWithoutHeldOn: ExhaustedHandler<'orders.created'> = (event, work) =>
  recordOrderAcceptedWithoutHeld({ orderId: event.data.orderId, customerId: event.data.customerId }, work);

/** orders.created takes its order's lock (and the held deliveries take theirs inside, as a handler may). */
export function lockOrderOn(event: EventEnvelope<'orders.created'>): LockKey[] {
  return [orderLock(event.data.orderId)];
}
