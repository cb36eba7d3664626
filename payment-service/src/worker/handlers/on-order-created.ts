import type { EventHandler } from '@order-platform/shared';
import { openPayment } from '../../domain/open-payment.js';

export const onOrderCreated: EventHandler<'orders.created'> = async (event, context) => {
  const payment = await openPayment(event.data, context);
  context.log.info({ orderId: event.data.orderId, paymentId: payment?.id }, payment ? 'payment opened' : 'order has a payment already');
};
