import type { Migration } from '@order-platform/shared';
import * as analytics from './001-analytics.js';

export const migrations: Record<string, Migration> = {
  '001-analytics': analytics,
};

/** The read model's tables: what a rebuild truncates before its consumers replay from the start. */
export const readModelTables = ['analytics_events', 'analytics_orders', 'analytics_low_stock'];
