import type { Migration } from '@order-platform/shared';
import * as orders from './001-orders.js';
import * as idempotencyScope from './002-idempotency-scope.js';

export const migrations: Record<string, Migration> = {
  '001-orders': orders,
  '002-idempotency-scope': idempotencyScope,
};
