import type { Migration } from '@order-platform/shared';
import * as products from './001-products.js';
import * as reservations from './002-reservations.js';
import * as rateLimits from './003-rate-limits.js';
import * as exhaustedMessages from './004-exhausted-messages.js';
import * as processedMessageDetails from './005-processed-message-details.js';
import * as replayRequests from './006-replay-requests.js';
import * as outboxHandOff from './007-outbox-hand-off.js';

export const migrations: Record<string, Migration> = {
  '001-products': products,
  '002-reservations': reservations,
  '003-rate-limits': rateLimits,
  '004-exhausted-messages': exhaustedMessages,
  '005-processed-message-details': processedMessageDetails,
  '006-replay-requests': replayRequests,
  '007-outbox-hand-off': outboxHandOff,
};
