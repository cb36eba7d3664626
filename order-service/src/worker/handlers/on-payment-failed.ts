import type { EventHandler } from '@order-platform/shared';
import { recordOrderFact } from '../../domain/record-order-fact.js';

export const onPaymentFailed: EventHandler<'payments.failed'> = (event, context) =>
  recordOrderFact(event, { kind: 'payment_failed', reason: event.data.reason }, context);
