import type { EventHandler } from '@order-platform/shared';
import { recordProductChange } from '../../domain/record-product-change.js';

export const onProductChanged: EventHandler<'stock.product-changed'> = async (event, work) => {
  const applied = await recordProductChange(event.data, work);
  work.log.info({ sku: event.data.sku, version: event.data.version, applied }, applied ? 'catalog entry updated' : 'catalog entry already newer');
};
