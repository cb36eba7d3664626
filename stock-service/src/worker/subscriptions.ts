import { declareConsumer, subscribe, type ConsumerDeclaration, type LockKey, type OrderLine, type Subscription } from '@order-platform/shared';
import { SERVICE } from '../config.js';
import { prefetchReserving } from '../domain/reserve-stock.js';
import { prefetchSettling } from '../domain/settle-reservations.js';
import { onOrderCancelled } from './handlers/on-order-cancelled.js';
import { onOrderConfirmed } from './handlers/on-order-confirmed.js';
import { onOrderCreated } from './handlers/on-order-created.js';

const orderCreated = declareConsumer(SERVICE, 'orders.created');
const orderConfirmed = declareConsumer(SERVICE, 'orders.confirmed');
const orderCancelled = declareConsumer(SERVICE, 'orders.cancelled');

/** The durable consumers the migrator declares for this service. */
export const consumers: ConsumerDeclaration[] = [orderCreated, orderConfirmed, orderCancelled];

/** Every handler here locks the products of the order's lines; a batch locks them all first, in sku order. */
const PRODUCT_LOCKS = 0x736b7500; // "sku\0"
const productLocks = (event: { data: { items: OrderLine[] } }): LockKey[] => event.data.items.map((line) => ({ space: PRODUCT_LOCKS, key: line.sku }));

/** The subscription table: one handler per consumed event. */
export function subscriptions(): Subscription[] {
  return [
    // the batch's products locked and read, with its orders' reservations, behind its first statement
    subscribe(orderCreated, onOrderCreated, { locks: productLocks, prefetch: (events, work) => prefetchReserving(events.map((event) => event.data), work) }),
    // the batch's products and reservations locked, and the reservations read, behind its first statement
    subscribe(orderConfirmed, onOrderConfirmed, { locks: productLocks, prefetch: (events, work) => prefetchSettling(events.map((event) => event.data), work) }),
    subscribe(orderCancelled, onOrderCancelled, { locks: productLocks, prefetch: (events, work) => prefetchSettling(events.map((event) => event.data), work) }),
  ];
}
