import { randomUUID } from 'node:crypto';
import { AppError, type OrderCancelled, type UnitOfWork } from '@order-platform/shared';
import { findPaymentByOrder, insertPayment, updatePayment } from '../data/payments-repository.js';
import type { PaymentDeps } from './deps.js';
import { chargeKey, refundKey } from './gateway.js';
import type { CapturedPayment, Payment } from './payment.js';
import { decideCancel } from './payment-decisions.js';
import { refundPayment, settleVoid } from './payment-settlements.js';

/**
 * orders.cancelled: voids a payment not charged and refunds a captured one. With no payment yet,
 * a voided one is left behind, so a late orders.created or stock.reserved charges nothing. Runs
 * under the order's payment lock (see PAYMENT_LOCK_SPACE).
 */
export async function cancelPayment(deps: PaymentDeps, cancel: OrderCancelled, uow: UnitOfWork): Promise<Payment> {
  const { trx, outbox, now } = uow;
  const decision = decideCancel(await findPaymentByOrder(trx, cancel.orderId, { forUpdate: true }), cancel, now, randomUUID());
  switch (decision.kind) {
    case 'tombstone':
      if (!(await insertPayment(trx, decision.payment))) throw new AppError('transient', 'a payment was recorded without the order lock; retrying', { details: { orderId: cancel.orderId } });
      return decision.payment;
    case 'void': {
      // A charge attempt may have reached the gateway before a crash lost its answer.
      const held = await deps.gateway.voidCharge({ idempotencyKey: chargeKey(decision.payment.id) });
      const settled = settleVoid(decision.payment, held, cancel.total, now);
      if (settled.kind === 'voided') {
        await updatePayment(trx, settled.payment);
        return settled.payment;
      }
      // taken after all: record the capture, then give the money back
      outbox.add(settled.captured.event.type, { subject: cancel.orderId, data: settled.captured.event.data });
      return refund(deps, settled.captured.payment, cancel.customerId, uow);
    }
    case 'refund':
      return refund(deps, decision.payment, cancel.customerId, uow);
    case 'leave':
      return decision.payment;
  }
}

async function refund(deps: PaymentDeps, payment: CapturedPayment, customerId: string, { trx, outbox, now }: UnitOfWork): Promise<Payment> {
  await deps.gateway.refund({ idempotencyKey: refundKey(payment.id), amount: payment.amount });
  const { payment: refunded, event } = refundPayment(payment, customerId, now);
  await updatePayment(trx, refunded);
  outbox.add(event.type, { subject: payment.orderId, data: event.data });
  return refunded;
}
