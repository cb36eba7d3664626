import type { Migration } from '@order-platform/shared';
import * as analytics from './001-analytics.js';
import * as replayRequests from './002-replay-requests.js';

export const migrations: Record<string, Migration> = {
  '001-analytics': analytics,
  '002-replay-requests': replayRequests,
};

/** The read model's tables: what a rebuild truncates before its consumers replay from the start. */
export const readModelTables = ['analytics_events', 'analytics_orders', 'analytics_low_stock'];
