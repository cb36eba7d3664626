import { randomUUID } from 'node:crypto';
import { AppError, type OrderCreated, type UnitOfWork } from '@order-platform/shared';
import { findPaymentMethod, updatePaymentMethod } from '../data/payment-methods-repository.js';
import { findPaymentByOrder, insertPayment, lockPaymentOfOrder, updatePayment } from '../data/payments-repository.js';
import { decideClaim } from './payment-method.js';
import type { Payment } from './payment.js';
import { decideOpen, type OpenDecision } from './payment-decisions.js';
import { settlePayment, type Settle } from './settle-charge.js';

/** What orders.created did, for the log; `detail` says why a payment was declined. */
export interface Opened {
  kind: OpenDecision['kind'];
  payment: Payment;
  detail?: string;
}

/**
 * orders.created: claims the order's payment method and opens a pending payment on it, to be
 * charged once stock is reserved; when stock.reserved came first, charges it now. When the
 * order may not use that method, the payment fails at once (payments.failed, payment_declined),
 * so the order is cancelled. The order's payment and the method stay locked until commit, so
 * one method is never claimed by two orders and one payment never charged twice.
 */
export async function openPayment(order: OrderCreated, settle: Settle, uow: UnitOfWork): Promise<Opened> {
  const { trx, outbox, now } = uow;
  await lockPaymentOfOrder(trx, order.orderId);
  const existing = await findPaymentByOrder(trx, order.orderId, { forUpdate: true });
  const method = await findPaymentMethod(trx, order.payment.paymentMethodId, { forUpdate: true });
  const decision = decideOpen(existing, decideClaim(method, order, now), order, now, randomUUID());
  switch (decision.kind) {
    case 'leave':
      if (decision.retire) await updatePaymentMethod(trx, decision.retire);
      return { kind: decision.kind, payment: decision.payment };
    case 'charge':
      await updatePaymentMethod(trx, decision.method);
      return { kind: decision.kind, payment: await settlePayment(settle, decision.payment, uow) };
    case 'open':
    case 'decline':
      if (existing) await updatePayment(trx, decision.payment);
      else if (!(await insertPayment(trx, decision.payment))) throw new AppError('transient', 'a payment was recorded without the order lock; retrying', { details: { orderId: order.orderId } });
      if (decision.kind === 'open') await updatePaymentMethod(trx, decision.method);
      else outbox.add(decision.event.type, { subject: order.orderId, data: decision.event.data });
      return { kind: decision.kind, payment: decision.payment, ...(decision.kind === 'decline' && 'detail' in decision.event.data ? { detail: decision.event.data.detail } : {}) };
  }
}
