import type { EventHandler } from '@order-platform/shared';
import { releaseReservation } from '../../domain/release-reservation.js';

export const onOrderCancelled: EventHandler<'orders.cancelled'> = async (event, context) => {
  await releaseReservation(event.data, context);
  context.log.debug({ orderId: event.data.orderId }, 'stock given back');
};
