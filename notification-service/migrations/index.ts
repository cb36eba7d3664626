import type { Migration } from '@order-platform/shared';
import * as notifications from './001-notifications.js';
import * as seedTemplates from './002-seed-templates.js';
import * as rateLimits from './003-rate-limits.js';
import * as truthfulCancellation from './004-truthful-cancellation.js';
import * as exhaustedMessages from './005-exhausted-messages.js';
import * as knownOrders from './006-known-orders.js';
import * as processedMessageDetails from './007-processed-message-details.js';
import * as replayRequests from './008-replay-requests.js';
import * as outboxHandOff from './009-outbox-hand-off.js';

export const migrations: Record<string, Migration> = {
  '001-notifications': notifications,
  '002-seed-templates': seedTemplates,
  '003-rate-limits': rateLimits,
  '004-truthful-cancellation': truthfulCancellation,
  '005-exhausted-messages': exhaustedMessages,
  '006-known-orders': knownOrders,
  '007-processed-message-details': processedMessageDetails,
  '008-replay-requests': replayRequests,
  '009-outbox-hand-off': outboxHandOff,
};
