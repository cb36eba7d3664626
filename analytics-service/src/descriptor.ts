import type { ServiceDescriptor } from '@order-platform/shared';
import { migrations, readModelTables } from '../migrations/index.js';
import { DEFAULT_DATABASE_URL, SERVICE } from './config.js';
import { consumers } from './worker/subscriptions.js';

export const descriptor: ServiceDescriptor = {
  service: SERVICE,
  defaultDatabaseUrl: DEFAULT_DATABASE_URL,
  migrations,
  // publishes nothing of its own; dead letters go to DLQ
  streams: ['DLQ'],
  consumers,
  // the whole service is a read model: every table of it is rebuilt from every consumer
  readModel: { tables: readModelTables, consumers },
};
