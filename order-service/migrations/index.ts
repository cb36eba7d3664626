import type { Migration } from '@order-platform/shared';
import * as orders from './001-orders.js';

export const migrations: Record<string, Migration> = {
  '001-orders': orders,
};
