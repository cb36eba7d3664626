import { randomUUID } from 'node:crypto';
import type { HandlerContext, OrderCreated } from '@order-platform/shared';
import { findPaymentByOrder, insertPayment } from '../data/payments-repository.js';
import { decideOpen, type Payment } from './payment.js';

/**
 * orders.created: opens a pending payment for the order's total, to be charged once stock is
 * reserved. An order that has a payment already (a repeat, or a cancel that came first and
 * left a voided one) gets nothing new.
 */
export async function openPayment(order: OrderCreated, { trx, now }: HandlerContext): Promise<Payment | undefined> {
  const payment = decideOpen(await findPaymentByOrder(trx, order.orderId), order, now, randomUUID());
  if (!payment) return undefined;
  // false: a cancel's voided payment committed first, and that one stands
  return (await insertPayment(trx, payment)) ? payment : undefined;
}
