import { randomUUID } from 'node:crypto';
import { AppError, type UnitOfWork } from '@order-platform/shared';
import { findPaymentByOrder, insertPayment, lockPaymentOfOrder } from '../data/payments-repository.js';
import type { Payment } from './payment.js';
import { decideReserved } from './payment-decisions.js';
import { settlePayment, type Settle } from './settle-charge.js';

/**
 * stock.reserved: charges the order's pending payment, then records and announces the outcome;
 * when orders.created has not been seen yet, records that stock is reserved, and orders.created
 * charges when it comes (no retry, no waiting). The order's payment stays locked until commit,
 * so a cancel or orders.created of the same order either is seen here or waits and then sees
 * what this recorded.
 */
export async function chargePayment(orderId: string, settle: Settle, uow: UnitOfWork): Promise<Payment> {
  const { trx, now } = uow;
  await lockPaymentOfOrder(trx, orderId);
  const decision = decideReserved(await findPaymentByOrder(trx, orderId, { forUpdate: true }), orderId, now, randomUUID());
  switch (decision.kind) {
    case 'await_order':
      if (!(await insertPayment(trx, decision.payment))) throw new AppError('transient', 'a payment was recorded without the order lock; retrying', { details: { orderId } });
      return decision.payment;
    case 'charge':
      return settlePayment(settle, decision.payment, uow);
    case 'leave':
      return decision.payment;
  }
}
