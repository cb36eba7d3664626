import { AppError, type OrderCancelled, type OrderConfirmed, type PrefetchedKind, type UnitOfWork } from '@order-platform/shared';
import { HISTORY_CHANNEL } from '../data/history-feed.js';
import { isOrderId, lockOrder, lockOrders, transitionWrite } from '../data/orders-repository.js';
import { applyTransition, contradiction, decideTransition, type OrderFact } from './order-lifecycle.js';
import { orderView, type Order, type OrderView } from './order.js';

export interface Cause {
  /** the event type, or the HTTP request */
  name: string;
  /** the event id */
  id?: string;
}

export type AdvanceResult = { outcome: 'unknown_order' } | { outcome: 'unchanged'; order: OrderView } | { outcome: 'changed'; order: OrderView };

/**
 * Moves an order along its lifecycle in the caller's unit of work: lock, decide (pure), save
 * the new status with a history entry (sent without waiting for its answer: the unit fails if
 * it fails; its watchers are notified once the unit has committed), and emit orders.confirmed
 * or orders.cancelled. A fact
 * that contradicts the order is a permanent error: the consumer dead-letters it, nothing is
 * written, and the order waits for a fact that holds.
 */
export async function advanceOrder(orderId: string, fact: OrderFact, cause: Cause, { trx, outbox, send, notifyAfterCommit, prefetched, now }: UnitOfWork): Promise<AdvanceResult> {
  const held = prefetched.get(lockedOrders, orderId);
  const order = held === undefined ? await lockOrder(trx, orderId) : held;
  if (!order) return { outcome: 'unknown_order' };
  const refused = contradiction(order, fact);
  if (refused) throw new AppError('permanent', `${cause.name} contradicts order ${orderId}: ${refused}`, { details: { orderId, status: order.status } });
  const transition = decideTransition(order.status, fact);
  if (!transition) return { outcome: 'unchanged', order: orderView(order) };
  const next = applyTransition(order, transition, now);
  send(transitionWrite(next, { orderId, from: order.status, to: next.status, cause: cause.name, causeId: cause.id, reason: next.cancellationReason, at: now }));
  // the streams watching it learn of the entry once it is committed (its trigger stays silent);
  // a batch whose prefetch found no api watching holds a slot of the watchers' locks, and a feed that starts
  // meanwhile reads the entry once it has it, so no NOTIFY goes out for no one (HISTORY_WATCHERS)
  if (prefetched.get(historyWatchers, 'any') !== false) notifyAfterCommit(HISTORY_CHANNEL, orderId);
  prefetched.update(lockedOrders, orderId, next);
  if (transition.emit === 'orders.confirmed') outbox.add('orders.confirmed', { subject: orderId, data: confirmed(next, now) });
  if (transition.emit === 'orders.cancelled') outbox.add('orders.cancelled', { subject: orderId, data: cancelled(next, order, now) });
  return { outcome: 'changed', order: orderView(next) };
}

/** Orders locked and loaded ahead of `advanceOrder`, by id. */
const lockedOrders: PrefetchedKind<Order> = { name: 'orders' };

/** `false` once the batch holds its slot of the history watchers' locks exclusively: no api's feed watches an order until it commits. */
const historyWatchers: PrefetchedKind<boolean> = { name: 'history-watchers' };

/**
 * Locks and loads, with one statement, the orders a batch of facts is about, for `advanceOrder`
 * to find in the unit of work instead of reading each. An id that cannot be an order's is left
 * out: `advanceOrder` reads it itself, and fails alone, as it would without this.
 */
export async function prefetchOrders(orderIds: readonly string[], { trx, prefetched }: UnitOfWork): Promise<void> {
  const ids = [...new Set(orderIds)].filter(isOrderId);
  if (ids.length === 0) return;
  const { orders, unwatched } = await lockOrders(trx, ids);
  const found = new Map(orders.map((order) => [order.id, order]));
  for (const id of ids) prefetched.add(lockedOrders, id, found.get(id) ?? null);
  if (unwatched) prefetched.add(historyWatchers, 'any', false);
}

function confirmed(order: Order, now: Date): OrderConfirmed {
  return { orderId: order.id, customerId: order.customerId, items: order.items, total: order.total, confirmedAt: now.toISOString() };
}

function cancelled(order: Order, previous: Order, now: Date): OrderCancelled {
  return {
    orderId: order.id,
    customerId: order.customerId,
    items: order.items,
    total: order.total,
    reason: order.cancellationReason!,
    previousStatus: previous.status as OrderCancelled['previousStatus'],
    cancelledAt: now.toISOString(),
  };
}
