import type { EventHandler } from '@order-platform/shared';
import { cancelPayment } from '../../domain/cancel-payment.js';
import type { PaymentDeps } from '../../domain/deps.js';

export function onOrderCancelled(deps: PaymentDeps): EventHandler<'orders.cancelled'> {
  return async (event, work) => {
    const payment = await cancelPayment(deps, event.data, work);
    work.log.info({ orderId: event.data.orderId, paymentId: payment.id, status: payment.status, reason: event.data.reason }, 'payment compensated');
  };
}
