import type { Migration } from '@order-platform/shared';
import * as payments from './001-payments.js';
import * as paymentMethods from './002-payment-methods.js';
import * as paymentsNameTheirMethod from './003-payments-name-their-method.js';
import * as rateLimits from './004-rate-limits.js';
import * as paymentsAwaitTheirOrder from './005-payments-await-their-order.js';
import * as exhaustedMessages from './006-exhausted-messages.js';
import * as processedMessageDetails from './007-processed-message-details.js';
import * as replayRequests from './008-replay-requests.js';
import * as outboxHandOff from './009-outbox-hand-off.js';

export const migrations: Record<string, Migration> = {
  '001-payments': payments,
  '002-payment-methods': paymentMethods,
  '003-payments-name-their-method': paymentsNameTheirMethod,
  '004-rate-limits': rateLimits,
  '005-payments-await-their-order': paymentsAwaitTheirOrder,
  '006-exhausted-messages': exhaustedMessages,
  '007-processed-message-details': processedMessageDetails,
  '008-replay-requests': replayRequests,
  '009-outbox-hand-off': outboxHandOff,
};
