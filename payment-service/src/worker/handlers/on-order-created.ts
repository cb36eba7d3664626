import type { EventHandler, ExhaustedHandler } from '@order-platform/shared';
import type { PaymentDeps } from '../../domain/deps.js';
import { openPayment, type Opened } from '../../domain/open-payment.js';
import { chargeCard, settleExhausted } from '../../domain/settle-charge.js';

const messages = {
  open: 'payment opened',
  charge: 'payment charged: stock was reserved already',
  decline: 'payment declined: the order may not use its payment method',
  leave: 'order has a payment already',
};

export function onOrderCreated(deps: PaymentDeps): EventHandler<'orders.created'> {
  return async (event, work) => {
    const decision = await openPayment(event.data, chargeCard(deps, work.delivery), work);
    work.log.info(logFields(event.data.payment.paymentMethodId, decision), messages[decision.kind]);
  };
}

/** The charge's retries ran out (stock was reserved first, and the gateway stayed unavailable). */
export function onOrderCreatedExhausted(deps: PaymentDeps): ExhaustedHandler<'orders.created'> {
  return async (event, work) => {
    const detail = work.error instanceof Error ? work.error.message : String(work.error);
    const decision = await openPayment(event.data, settleExhausted(deps, work.error, work.delivery), work);
    work.log.warn({ ...logFields(event.data.payment.paymentMethodId, decision), detail }, 'charge retries exhausted');
  };
}

function logFields(paymentMethodId: string, { payment, detail }: Opened) {
  return { orderId: payment.orderId, paymentId: payment.id, status: payment.status, attempts: payment.attempts, paymentMethodId, ...(detail ? { detail } : {}) };
}
