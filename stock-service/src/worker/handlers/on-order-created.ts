import type { EventHandler } from '@order-platform/shared';
import { reserveStock } from '../../domain/reserve-stock.js';

export const onOrderCreated: EventHandler<'orders.created'> = async (event, context) => {
  await reserveStock(event.data, context);
  context.log.debug({ orderId: event.data.orderId }, 'stock reservation decided');
};
