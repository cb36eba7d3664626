import { declareConsumer, subscribe, type ConsumerDeclaration, type Subscription } from '@order-platform/shared';
import { SERVICE } from '../config.js';
import type { PaymentDeps } from '../domain/deps.js';
import { onOrderCancelled } from './handlers/on-order-cancelled.js';
import { onOrderCreated } from './handlers/on-order-created.js';
import { onChargeExhausted, onStockReserved } from './handlers/on-stock-reserved.js';

const orderCreated = declareConsumer(SERVICE, 'orders.created');
// Ten attempts (about two minutes at the default backoff), then payments.failed (payment_unavailable).
// The budget also covers waiting for orders.created when stock.reserved overtakes it under load.
const stockReserved = declareConsumer(SERVICE, 'stock.reserved', { maxAttempts: 10 });
const orderCancelled = declareConsumer(SERVICE, 'orders.cancelled');

/** The durable consumers the migrator declares for this service. */
export const consumers: ConsumerDeclaration[] = [orderCreated, stockReserved, orderCancelled];

/** The subscription table: one handler per consumed event. */
export function subscriptions(deps: PaymentDeps): Subscription[] {
  return [
    subscribe(orderCreated, onOrderCreated),
    subscribe(stockReserved, onStockReserved(deps), onChargeExhausted(deps)),
    subscribe(orderCancelled, onOrderCancelled(deps)),
  ];
}
