import type { EventHandler, ExhaustedHandler } from '@order-platform/shared';
import { chargePayment } from '../../domain/charge-payment.js';
import type { PaymentDeps } from '../../domain/deps.js';
import { failUnavailablePayment } from '../../domain/fail-unavailable-payment.js';

export function onStockReserved(deps: PaymentDeps): EventHandler<'stock.reserved'> {
  return async (event, context) => {
    const payment = await chargePayment(deps, event.data.orderId, context);
    context.log.info({ orderId: event.data.orderId, paymentId: payment.id, status: payment.status, attempts: payment.attempts }, 'charge handled');
  };
}

/** The charge's retries ran out (gateway unavailable, or orders.created never came). */
export function onChargeExhausted(deps: PaymentDeps): ExhaustedHandler<'stock.reserved'> {
  return async (event, context) => {
    const detail = context.error instanceof Error ? context.error.message : String(context.error);
    const payment = await failUnavailablePayment(deps, event.data.orderId, detail, context);
    context.log.warn({ orderId: event.data.orderId, paymentId: payment.id, status: payment.status, detail }, 'charge retries exhausted');
  };
}
