import { randomUUID } from 'node:crypto';
import { AppError, type UnitOfWork } from '@order-platform/shared';
import { insertOrLockPayment } from '../data/payments-repository.js';
import type { Payment } from './payment.js';
import { awaitingOrder, decideReserved } from './payment-decisions.js';
import { settlePayment, type Settle } from './settle-charge.js';

/**
 * stock.reserved: charges the order's pending payment, then records and announces the outcome;
 * when orders.created has not been seen yet, records that stock is reserved, and orders.created
 * charges when it comes (no retry, no waiting). The order's payment stays locked until commit,
 * so a cancel or orders.created of the same order either is seen here or waits and then sees
 * what this recorded. Runs under the order's payment lock (see PAYMENT_LOCK_SPACE).
 */
export async function chargePayment(orderId: string, settle: Settle, uow: UnitOfWork): Promise<Payment> {
  const { trx, now } = uow;
  // what decideReserved records when the order has no payment: written in the statement that
  // looks for one (and locks the one it finds), the round trip a separate insert would cost saved
  const awaiting = awaitingOrder(orderId, now, randomUUID());
  const found = await insertOrLockPayment(trx, awaiting);
  if (found === 'recorded') return awaiting;
  if (!found) throw new AppError('transient', 'a payment was recorded without the order lock; retrying', { details: { orderId } });
  const decision = decideReserved(found.payment, orderId, now, awaiting.id);
  switch (decision.kind) {
    case 'charge':
      return settlePayment(settle, decision.payment, found.card, uow);
    case 'await_order': // not with a payment
    case 'leave':
      return decision.payment;
  }
}
