import { AppError, connectionOf, type LockKey, type UnitOfWork } from '@order-platform/shared';
import { holdRequest, recordKnownOrderTakingHeld, type KnownOrder } from '../data/known-orders-repository.js';
import { findDeliveryState } from '../data/notifications-repository.js';
import { channelOf, deliverLocked, deliverNotification, type DeliveryDeps } from './deliver-notification.js';
import type { NotificationRequest } from './notification-requests.js';

// below the delivery locks' space (4004): a batch takes its locks sorted, so the order's comes
// first, as it does in orders.created, which takes the held deliveries' locks after it
const ORDER_LOCK_SPACE = 4003;

/**
 * The lock both paths take: an event held because its order is unknown, and the order's
 * orders.created that sends what is held, so neither commits unseen by the other.
 */
export function orderLock(orderId: string): LockKey {
  return { space: ORDER_LOCK_SPACE, key: orderId };
}

/**
 * Delivers a notification about an order only for an order the system accepted, to the customer
 * who placed it. An event for an order whose orders.created has not arrived yet (streams are
 * consumed independently) is held, and sent when it does; one for an order that never existed is
 * held for ever and never mails anyone (logged). An event naming another customer than the
 * order's is refused as permanent (dead-lettered at once). Alerts without an order go straight on.
 *
 * Runs under the locks its subscription names (`lockOn`: the delivery's and the order's), which
 * the batch took before any handler ran, so it reads the order, the notification and the template
 * at once, under them, and takes no lock itself.
 */
export async function deliverForOrder(deps: DeliveryDeps, request: NotificationRequest, work: UnitOfWork): Promise<void> {
  const { orderId } = request;
  const connection = await connectionOf(work.trx);
  const { orderCustomerId, ...state } = await findDeliveryState(connection, { orderId: orderId ?? null, dedupKey: request.dedupKey, template: request.template, channel: channelOf(deps, request) });
  if (orderId && orderCustomerId === undefined) {
    await holdRequest(work.trx, { ...request, orderId }, work.now);
    work.log.warn({ orderId, dedupKey: request.dedupKey }, 'notification held: its order is not known (yet); it goes out when orders.created arrives');
    return;
  }
  if (orderId && request.customerId !== orderCustomerId) {
    throw new AppError('permanent', `the event names customer ${request.customerId ?? '(none)'}, not the order's`, { details: { orderId } });
  }
  await deliverLocked(deps, request, state, work.log);
}

/** orders.created: the order is known from now on, and what was held for it goes out. */
export async function recordOrderAccepted(deps: DeliveryDeps, order: KnownOrder, work: UnitOfWork): Promise<void> {
  for (const request of await recordKnownOrderTakingHeld(work.trx, order, work.now)) {
    // a held event naming someone else is dropped, not thrown: it must not stop the order's own
    if (request.customerId === order.customerId) await deliverNotification(deps, request, work);
    else work.log.error({ orderId: order.orderId, dedupKey: request.dedupKey, customerId: request.customerId }, "held notification dropped: its event names another customer than the order's");
  }
}

/**
 * orders.created ran out of retries (a held notification's channel kept failing): the order is
 * known from now on, so what comes for it later goes out; what was held is dropped with an error
 * line naming it (its events are in the DLQ of their own consumers only if they failed there).
 */
export async function recordOrderAcceptedWithoutHeld(order: KnownOrder, work: UnitOfWork): Promise<void> {
  const dropped = await recordKnownOrderTakingHeld(work.trx, order, work.now);
  if (dropped.length > 0) work.log.error({ orderId: order.orderId, dedupKeys: dropped.map((r) => r.dedupKey) }, 'held notifications dropped: orders.created could not send them; replay it from the DLQ after fixing the channel');
}
