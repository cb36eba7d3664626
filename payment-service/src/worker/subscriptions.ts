import { declareConsumer, subscribe, type ConsumerDeclaration, type RetryPolicy, type Subscription } from '@order-platform/shared';
import { SERVICE } from '../config.js';
import type { PaymentDeps } from '../domain/deps.js';
import { onOrderCancelled } from './handlers/on-order-cancelled.js';
import { onOrderCreated, onOrderCreatedExhausted } from './handlers/on-order-created.js';
import { onStockReserved, onStockReservedExhausted } from './handlers/on-stock-reserved.js';
import { chargeAttempts, MAX_CHARGE_ATTEMPTS } from './charge-budget.js';

// Whichever of orders.created and stock.reserved comes second charges, so both may be retried
// while the gateway is unavailable; the worker uses as many of these deliveries as
// PAYMENT_CHARGE_BUDGET_MS allows (see chargeAttempts), then payments.failed (payment_unavailable).
const orderCreated = declareConsumer(SERVICE, 'orders.created', { maxAttempts: MAX_CHARGE_ATTEMPTS });
const stockReserved = declareConsumer(SERVICE, 'stock.reserved', { maxAttempts: MAX_CHARGE_ATTEMPTS });
const orderCancelled = declareConsumer(SERVICE, 'orders.cancelled');

/** The durable consumers the migrator declares for this service. */
export const consumers: ConsumerDeclaration[] = [orderCreated, stockReserved, orderCancelled];

/** The subscription table: one handler per consumed event. */
export function subscriptions(deps: PaymentDeps, charge: { budgetMs: number; retry: RetryPolicy }): Subscription[] {
  const maxAttempts = chargeAttempts(charge.budgetMs, charge.retry);
  return [
    subscribe({ ...orderCreated, maxAttempts }, onOrderCreated(deps), onOrderCreatedExhausted(deps)),
    subscribe({ ...stockReserved, maxAttempts }, onStockReserved(deps), onStockReservedExhausted(deps)),
    subscribe(orderCancelled, onOrderCancelled(deps)),
  ];
}
