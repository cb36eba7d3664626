import type { EventHandler } from '@order-platform/shared';
import { commitReservation } from '../../domain/commit-reservation.js';

export const onOrderConfirmed: EventHandler<'orders.confirmed'> = async (event, context) => {
  await commitReservation(event.data, context);
  context.log.debug({ orderId: event.data.orderId }, 'reservation committed');
};
