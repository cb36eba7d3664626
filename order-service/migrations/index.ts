import type { Migration } from '@order-platform/shared';
import * as orders from './001-orders.js';
import * as idempotencyScope from './002-idempotency-scope.js';
import * as rateLimits from './003-rate-limits.js';
import * as historyNotify from './004-order-history-notify.js';
import * as exhaustedMessages from './005-exhausted-messages.js';
import * as processedMessageDetails from './006-processed-message-details.js';
import * as ordersByStatus from './007-orders-by-status.js';
import * as replayRequests from './008-replay-requests.js';
import * as outboxHandOff from './009-outbox-hand-off.js';
import * as historyNotifyAfterCommit from './010-history-notify-after-commit.js';

export const migrations: Record<string, Migration> = {
  '001-orders': orders,
  '002-idempotency-scope': idempotencyScope,
  '003-rate-limits': rateLimits,
  '004-order-history-notify': historyNotify,
  '005-exhausted-messages': exhaustedMessages,
  '006-processed-message-details': processedMessageDetails,
  '007-orders-by-status': ordersByStatus,
  '008-replay-requests': replayRequests,
  '009-outbox-hand-off': outboxHandOff,
  '010-history-notify-after-commit': historyNotifyAfterCommit,
};
