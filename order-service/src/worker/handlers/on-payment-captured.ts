import type { EventHandler } from '@order-platform/shared';
import { recordOrderFact } from '../../domain/record-order-fact.js';

export const onPaymentCaptured: EventHandler<'payments.captured'> = (event, context) => recordOrderFact(event, { kind: 'payment_captured', amount: event.data.amount }, context);
