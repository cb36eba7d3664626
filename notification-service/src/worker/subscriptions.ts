import { declareConsumer, subscribe, type ConsumerDeclaration, type Subscription } from '@order-platform/shared';
import { SERVICE } from '../config.js';
import type { DeliveryDeps } from '../domain/deliver-notification.js';
import {
  orderCancelledNotification,
  orderConfirmedNotification,
  paymentRefundedNotification,
  stockLowNotification,
} from '../domain/notification-requests.js';
import { acceptOn, acceptWithoutHeldOn, deliverySubscription, lockOrderOn } from './deliver-on.js';

const orderCreated = declareConsumer(SERVICE, 'orders.created');
const orderConfirmed = declareConsumer(SERVICE, 'orders.confirmed');
const orderCancelled = declareConsumer(SERVICE, 'orders.cancelled');
const paymentRefunded = declareConsumer(SERVICE, 'payments.refunded');
const stockLow = declareConsumer(SERVICE, 'stock.low');

/** The durable consumers the migrator declares for this service. */
export const consumers: ConsumerDeclaration[] = [orderCreated, orderConfirmed, orderCancelled, paymentRefunded, stockLow];

/** The subscription table: each event with the notification it asks for. */
export function subscriptions(deps: DeliveryDeps): Subscription[] {
  return [
    subscribe(orderCreated, acceptOn(deps), { onExhausted: acceptWithoutHeldOn, locks: lockOrderOn }),
    deliverySubscription(orderConfirmed, deps, orderConfirmedNotification),
    deliverySubscription(orderCancelled, deps, orderCancelledNotification),
    deliverySubscription(paymentRefunded, deps, paymentRefundedNotification),
    deliverySubscription(stockLow, deps, stockLowNotification),
  ];
}
