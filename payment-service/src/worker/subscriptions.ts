import { declareConsumer, subscribe, type ConsumerDeclaration, type LockKey, type RetryPolicy, type Subscription } from '@order-platform/shared';
import { PAYMENT_METHOD_LOCK_SPACE } from '../data/payment-methods-repository.js';
import { PAYMENT_LOCK_SPACE } from '../data/payments-repository.js';
import { SERVICE } from '../config.js';
import { prefetchReserved } from '../domain/charge-payment.js';
import { prefetchOpening } from '../domain/open-payment.js';
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

/** Every handler runs under its order's payment lock, taken by the consumer (the handlers do not take it again); a batch takes its orders' first, in one order. */
const paymentLock = (event: { data: { orderId: string } }): LockKey[] => [{ space: PAYMENT_LOCK_SPACE, key: event.data.orderId }];
/**
 * orders.created claims the payment method the order names, too: two orders naming one method
 * are handled one after the other (one lane of a batch, or one batch after another), so the
 * second sees the first's claim and is declined.
 */
const paymentAndMethodLocks = (event: { data: { orderId: string; payment: { paymentMethodId: string } } }): LockKey[] => [
  ...paymentLock(event),
  { space: PAYMENT_METHOD_LOCK_SPACE, key: event.data.payment.paymentMethodId },
];

/** The subscription table: one handler per consumed event. */
export function subscriptions(deps: PaymentDeps, charge: { budgetMs: number; retry: RetryPolicy }): Subscription[] {
  const maxAttempts = chargeAttempts(charge.budgetMs, charge.retry);
  return [
    subscribe({ ...orderCreated, maxAttempts }, onOrderCreated(deps), {
      onExhausted: onOrderCreatedExhausted(deps),
      locks: paymentAndMethodLocks,
      // each order's payment and payment method locked and read for the whole batch at once, behind its first statement
      prefetch: (events, work) => prefetchOpening(events.map((event) => event.data), work),
    }),
    subscribe({ ...stockReserved, maxAttempts }, onStockReserved(deps), {
      onExhausted: onStockReservedExhausted(deps),
      locks: paymentLock,
      // each order's payment recorded or locked for the whole batch at once, behind its first statement
      prefetch: (events, work) => prefetchReserved(events.map((event) => event.data.orderId), work),
    }),
    subscribe(orderCancelled, onOrderCancelled(deps), { locks: paymentLock }),
  ];
}
