import { randomUUID } from 'node:crypto';
import { AppError, type HandlerContext } from '@order-platform/shared';
import { findPaymentByOrder, insertPayment, updatePayment } from '../data/payments-repository.js';
import type { PaymentDeps } from './deps.js';
import { chargeKey } from './gateway.js';
import { decideUnavailable, settleUnavailable, type Payment } from './payment.js';

/**
 * The charge's retries ran out: the payment fails as payment_unavailable, so the order is
 * cancelled instead of left waiting. A pending payment's charge is voided at the gateway first;
 * if its last attempt was taken after all (the answer lost to a crash), it is captured instead.
 */
export async function failUnavailablePayment(deps: PaymentDeps, orderId: string, detail: string, { trx, outbox, now }: HandlerContext): Promise<Payment> {
  const decision = decideUnavailable(await findPaymentByOrder(trx, orderId, { forUpdate: true }), { orderId, detail }, now, randomUUID());
  switch (decision.kind) {
    case 'leave':
      return decision.payment;
    case 'record':
      if (!(await insertPayment(trx, decision.payment))) throw new AppError('transient', 'a payment was opened concurrently; retrying', { details: { orderId } });
      await outbox.add(decision.event.type, { subject: orderId, data: decision.event.data });
      return decision.payment;
    case 'settle': {
      const held = await deps.gateway.voidCharge({ idempotencyKey: chargeKey(decision.payment.id) });
      const { payment, event } = settleUnavailable(decision.payment, held, detail, now);
      await updatePayment(trx, payment);
      await outbox.add(event.type, { subject: orderId, data: event.data });
      return payment;
    }
  }
}
