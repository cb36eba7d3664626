import type { CancellationReason, Money } from '@order-platform/shared';
import type { Order, OrderStatus } from './order.js';

/** What can happen to an order after it is placed (docs/architecture.md, "Order lifecycle"). */
export type OrderFact =
  | { kind: 'stock_reserved' }
  | { kind: 'stock_rejected'; reason: 'out_of_stock' | 'product_unavailable' }
  | { kind: 'payment_captured'; amount: Money }
  | { kind: 'payment_failed'; reason: 'payment_declined' | 'payment_unavailable' }
  | { kind: 'cancel_requested' };

export type Transition =
  | { to: 'stock_reserved'; emit: null }
  | { to: 'confirmed'; emit: 'orders.confirmed' }
  | { to: 'cancelled'; emit: 'orders.cancelled'; reason: CancellationReason };

/**
 * The order state machine as one pure function. `null` means the fact changes nothing in this
 * state: a redelivered or late event (events from different streams arrive in any order) is
 * acknowledged and ignored. The `never` check makes every fact handled.
 */
export function decideTransition(status: OrderStatus, fact: OrderFact): Transition | null {
  const open = status === 'pending' || status === 'stock_reserved';
  switch (fact.kind) {
    case 'stock_reserved':
      return status === 'pending' ? { to: 'stock_reserved', emit: null } : null;
    case 'stock_rejected':
      return status === 'pending' ? { to: 'cancelled', emit: 'orders.cancelled', reason: fact.reason } : null;
    case 'payment_captured':
      return open ? { to: 'confirmed', emit: 'orders.confirmed' } : null;
    case 'payment_failed':
      return open ? { to: 'cancelled', emit: 'orders.cancelled', reason: fact.reason } : null;
    case 'cancel_requested':
      return status === 'cancelled' ? null : { to: 'cancelled', emit: 'orders.cancelled', reason: 'customer_request' };
    default: {
      const unhandled: never = fact;
      throw new Error(`unhandled fact ${JSON.stringify(unhandled)}`);
    }
  }
}

/**
 * Why a fact cannot be true of this order, or null. payment-service charges an order's total,
 * so a capture of any other amount is a bug or a forgery, never a reason to confirm.
 */
export function contradiction(order: Order, fact: OrderFact): string | null {
  if (fact.kind !== 'payment_captured') return null;
  const { amount, currency } = fact.amount;
  if (amount === order.total.amount && currency === order.total.currency) return null;
  return `captured ${amount} ${currency}, but the order's total is ${order.total.amount} ${order.total.currency}`;
}

export function applyTransition(order: Order, transition: Transition, now: Date): Order {
  return {
    ...order,
    status: transition.to,
    cancellationReason: transition.to === 'cancelled' ? transition.reason : order.cancellationReason,
    updatedAt: now,
  };
}

export function isTerminal(status: OrderStatus): boolean {
  return status === 'confirmed' || status === 'cancelled';
}
