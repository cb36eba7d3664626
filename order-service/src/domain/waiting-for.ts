import type { Order } from './order.js';

/** What a non-terminal order waits for, and since when: the console's "waiting for X since T". */
export interface WaitingFor {
  what: string;
  since: string;
}

/**
 * Computed from the status alone: a pending order waits for stock-service's reservation since it
 * was placed; a stock_reserved order waits for payment-service's answer since it was reserved,
 * which is its last transition, so `updatedAt`. Confirmed and cancelled orders wait for nothing.
 * (A confirmed order can still be cancelled by a customer, but nothing in the saga waits.)
 */
export function waitingFor(order: Pick<Order, 'status' | 'createdAt' | 'updatedAt'>): WaitingFor | null {
  switch (order.status) {
    case 'pending':
      return { what: 'stock-service: stock.reserved (reservation)', since: order.createdAt.toISOString() };
    case 'stock_reserved':
      return { what: 'payment-service: payments.captured or payments.failed', since: order.updatedAt.toISOString() };
    case 'confirmed':
    case 'cancelled':
      return null;
    default: {
      const unknown: never = order.status;
      throw new Error(`unknown order status ${String(unknown)}`);
    }
  }
}
