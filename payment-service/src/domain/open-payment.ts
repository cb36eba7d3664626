import { randomUUID } from 'node:crypto';
import { AppError, type HandlerContext, type OrderCreated } from '@order-platform/shared';
import { findPaymentMethod, updatePaymentMethod } from '../data/payment-methods-repository.js';
import { findPaymentByOrder, insertPayment } from '../data/payments-repository.js';
import { decideClaim } from './payment-method.js';
import { decideOpen, type OpenDecision } from './payment.js';

/**
 * orders.created: claims the order's payment method and opens a pending payment on it, to be
 * charged once stock is reserved; or, when the order may not use that method, fails the
 * payment at once (payments.failed, payment_declined), so the order is cancelled. Both rows
 * stay locked until commit, so one method is never claimed by two orders.
 */
export async function openPayment(order: OrderCreated, { trx, outbox, now }: HandlerContext): Promise<OpenDecision> {
  const existing = await findPaymentByOrder(trx, order.orderId, { forUpdate: true });
  const method = await findPaymentMethod(trx, order.payment.paymentMethodId, { forUpdate: true });
  const decision = decideOpen(existing, decideClaim(method, order, now), order, now, randomUUID());
  switch (decision.kind) {
    case 'leave':
      if (decision.retire) await updatePaymentMethod(trx, decision.retire);
      return decision;
    case 'open':
    case 'decline':
      // false: a cancel's voided payment committed first; the retry finds it
      if (!(await insertPayment(trx, decision.payment))) throw new AppError('transient', 'a payment was opened concurrently; retrying', { details: { orderId: order.orderId } });
      if (decision.kind === 'open') await updatePaymentMethod(trx, decision.method);
      else await outbox.add(decision.event.type, { subject: order.orderId, data: decision.event.data });
      return decision;
  }
}
