import { declareConsumer, subscribe, type ConsumerDeclaration, type Subscription } from '@order-platform/shared';
import { SERVICE } from '../config.js';
import { onProductChanged } from './handlers/on-product-changed.js';

const productChanged = declareConsumer(SERVICE, 'stock.product-changed');

/** The durable consumers the migrator declares for this service. */
export const consumers: ConsumerDeclaration[] = [productChanged];

/** The subscription table: one handler per consumed event. */
export function subscriptions(): Subscription[] {
  return [subscribe(productChanged, onProductChanged)];
}
