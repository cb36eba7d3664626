import type { EventHandler } from '@order-platform/shared';
import { recordOrderFact } from '../../domain/record-order-fact.js';

export const onStockReserved: EventHandler<'stock.reserved'> = (event, context) => recordOrderFact(event, { kind: 'stock_reserved' }, context);
