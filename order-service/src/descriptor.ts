import type { ServiceDescriptor } from '@order-platform/shared';
import { migrations } from '../migrations/index.js';
import { DEFAULT_DATABASE_URL, SERVICE } from './config.js';
import { catalogConsumer, consumers } from './worker/subscriptions.js';

export const descriptor: ServiceDescriptor = {
  service: SERVICE,
  defaultDatabaseUrl: DEFAULT_DATABASE_URL,
  migrations,
  streams: ['ORDERS', 'DLQ'],
  consumers,
  // the catalog, a copy of stock-service's products kept by stock.product-changed
  readModel: { tables: ['catalog'], consumers: [catalogConsumer] },
};
