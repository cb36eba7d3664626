import { randomUUID } from 'node:crypto';
import { AppError, type OrderCreated, type UnitOfWork } from '@order-platform/shared';
import { updatePaymentMethod } from '../data/payment-methods-repository.js';
import { insertPayment, insertPaymentClaimingMethod, lockPaymentAndMethod, updatePayment } from '../data/payments-repository.js';
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
 * one method is never claimed by two orders and one payment never charged twice. Runs under the
 * order's payment lock (see PAYMENT_LOCK_SPACE).
 */
export async function openPayment(order: OrderCreated, settle: Settle, uow: UnitOfWork): Promise<Opened> {
  const { trx, outbox, now } = uow;
  const { payment: existing, method } = await lockPaymentAndMethod(trx, order.orderId, order.payment.paymentMethodId);
  const decision = decideOpen(existing, decideClaim(method, order, now), order, now, randomUUID());
  switch (decision.kind) {
    case 'leave':
      if (decision.retire) await updatePaymentMethod(trx, decision.retire);
      return { kind: decision.kind, payment: decision.payment };
    case 'charge':
      await updatePaymentMethod(trx, decision.method);
      return { kind: decision.kind, payment: await settlePayment(settle, decision.payment, decision.method.token, uow) };
    case 'open':
      if (!(await insertPaymentClaimingMethod(trx, decision.payment, decision.method))) throw unlocked(order.orderId);
      return { kind: decision.kind, payment: decision.payment };
    case 'decline':
      if (existing) await updatePayment(trx, decision.payment);
      else if (!(await insertPayment(trx, decision.payment))) throw unlocked(order.orderId);
      outbox.add(decision.event.type, { subject: order.orderId, data: decision.event.data });
      return { kind: decision.kind, payment: decision.payment, ...('detail' in decision.event.data ? { detail: decision.event.data.detail } : {}) };
  }
}

function unlocked(orderId: string): AppError {
  return new AppError('transient', 'a payment was recorded without the order lock; retrying', { details: { orderId } });
}
