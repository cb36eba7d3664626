import type { EventHandler } from '@order-platform/shared';
import { openPayment } from '../../domain/open-payment.js';

const messages = { open: 'payment opened', decline: 'payment declined: the order may not use its payment method', leave: 'order has a payment already' };

export const onOrderCreated: EventHandler<'orders.created'> = async (event, context) => {
  const decision = await openPayment(event.data, context);
  const detail = decision.kind === 'decline' && 'detail' in decision.event.data ? { detail: decision.event.data.detail } : {};
  context.log.info({ orderId: event.data.orderId, paymentId: decision.payment.id, paymentMethodId: event.data.payment.paymentMethodId, ...detail }, messages[decision.kind]);
};
