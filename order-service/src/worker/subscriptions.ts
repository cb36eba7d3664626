import { declareConsumer, subscribe, type ConsumerDeclaration, type LockKey, type Subscription, type UnitOfWork } from '@order-platform/shared';
import { SERVICE } from '../config.js';
import { prefetchOrders } from '../domain/advance-order.js';
import { onPaymentCaptured } from './handlers/on-payment-captured.js';
import { onPaymentFailed } from './handlers/on-payment-failed.js';
import { onProductChanged } from './handlers/on-product-changed.js';
import { onStockRejected } from './handlers/on-stock-rejected.js';
import { onStockReserved } from './handlers/on-stock-reserved.js';

const productChanged = declareConsumer(SERVICE, 'stock.product-changed');
const stockReserved = declareConsumer(SERVICE, 'stock.reserved');
const stockRejected = declareConsumer(SERVICE, 'stock.rejected');
const paymentCaptured = declareConsumer(SERVICE, 'payments.captured');
const paymentFailed = declareConsumer(SERVICE, 'payments.failed');

/** The durable consumers the migrator declares for this service. */
/** The consumer that feeds the catalog read model (what a rebuild of it replays). */
export const catalogConsumer: ConsumerDeclaration = productChanged;

export const consumers: ConsumerDeclaration[] = [productChanged, stockReserved, stockRejected, paymentCaptured, paymentFailed];

/** The saga's handlers each lock their order's row; a batch locks its orders first, in one order. */
const ORDER_LOCKS = 0x6f726400; // "ord\0"
const orderLock = (event: { data: { orderId: string } }): LockKey[] => [{ space: ORDER_LOCKS, key: event.data.orderId }];
/** ... and reads them, locked, with one statement: a handler's one round trip is then its transition. */
const ordersOf = (events: { data: { orderId: string } }[], work: UnitOfWork) => prefetchOrders(events.map((event) => event.data.orderId), work);
const orderSaga = { locks: orderLock, prefetch: ordersOf };

/** The subscription table: one handler per consumed event. */
export function subscriptions(): Subscription[] {
  return [
    subscribe(productChanged, onProductChanged),
    subscribe(stockReserved, onStockReserved, orderSaga),
    subscribe(stockRejected, onStockRejected, orderSaga),
    subscribe(paymentCaptured, onPaymentCaptured, orderSaga),
    subscribe(paymentFailed, onPaymentFailed, orderSaga),
  ];
}
