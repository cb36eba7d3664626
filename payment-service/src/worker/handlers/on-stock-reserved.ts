import type { EventHandler, ExhaustedHandler } from '@order-platform/shared';
import { chargePayment } from '../../domain/charge-payment.js';
import type { PaymentDeps } from '../../domain/deps.js';
import { chargeCard, settleExhausted } from '../../domain/settle-charge.js';

export function onStockReserved(deps: PaymentDeps): EventHandler<'stock.reserved'> {
  return async (event, work) => {
    const payment = await chargePayment(event.data.orderId, chargeCard(deps, work.delivery), work);
    work.log.info({ orderId: event.data.orderId, paymentId: payment.id, status: payment.status, attempts: payment.attempts }, 'stock reservation handled');
  };
}

/** The charge's retries ran out: the gateway stayed unavailable for the whole budget. */
export function onStockReservedExhausted(deps: PaymentDeps): ExhaustedHandler<'stock.reserved'> {
  return async (event, work) => {
    const detail = work.error instanceof Error ? work.error.message : String(work.error);
    const payment = await chargePayment(event.data.orderId, settleExhausted(deps, work.error, work.delivery), work);
    work.log.warn({ orderId: event.data.orderId, paymentId: payment.id, status: payment.status, detail }, 'charge retries exhausted');
  };
}
