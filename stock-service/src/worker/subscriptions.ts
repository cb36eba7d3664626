import { declareConsumer, subscribe, type ConsumerDeclaration, type Subscription } from '@order-platform/shared';
import { SERVICE } from '../config.js';
import { onOrderCancelled } from './handlers/on-order-cancelled.js';
import { onOrderConfirmed } from './handlers/on-order-confirmed.js';
import { onOrderCreated } from './handlers/on-order-created.js';

const orderCreated = declareConsumer(SERVICE, 'orders.created');
const orderConfirmed = declareConsumer(SERVICE, 'orders.confirmed');
const orderCancelled = declareConsumer(SERVICE, 'orders.cancelled');

/** The durable consumers the migrator declares for this service. */
export const consumers: ConsumerDeclaration[] = [orderCreated, orderConfirmed, orderCancelled];

/** The subscription table: one handler per consumed event. */
export function subscriptions(): Subscription[] {
  return [subscribe(orderCreated, onOrderCreated), subscribe(orderConfirmed, onOrderConfirmed), subscribe(orderCancelled, onOrderCancelled)];
}
