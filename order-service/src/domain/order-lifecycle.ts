import type { CancellationReason } from '@order-platform/shared';
import type { Order, OrderStatus } from './order.js';

/** What can happen to an order after it is placed (DESIGN.md §4). */
export type OrderFact =
  | { kind: 'stock_reserved' }
  | { kind: 'stock_rejected'; reason: 'out_of_stock' | 'product_unavailable' }
  | { kind: 'payment_captured' }
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
