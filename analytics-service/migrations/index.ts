import type { Migration } from '@order-platform/shared';
import * as analytics from './001-analytics.js';
import * as replayRequests from './002-replay-requests.js';
import * as outboxHandOff from './003-outbox-hand-off.js';

export const migrations: Record<string, Migration> = {
  '001-analytics': analytics,
  '002-replay-requests': replayRequests,
  '003-outbox-hand-off': outboxHandOff,
};

/** The read model's tables: what a rebuild truncates before its consumers replay from the start. */
export const readModelTables = ['analytics_events', 'analytics_orders', 'analytics_low_stock'];
