import type { EventHandler } from '@order-platform/shared';
import { recordOrderFact } from '../../domain/record-order-fact.js';

export const onStockRejected: EventHandler<'stock.rejected'> = (event, context) =>
  recordOrderFact(event, { kind: 'stock_rejected', reason: event.data.reason }, context);
