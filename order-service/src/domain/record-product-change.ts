import type { ProductChanged, UnitOfWork } from '@order-platform/shared';
import { applyProductChange } from '../data/catalog-repository.js';

/** Keeps the catalog read model current; older or repeated versions change nothing. */
export async function recordProductChange(change: ProductChanged, { trx }: UnitOfWork): Promise<boolean> {
  return applyProductChange(trx, change);
}
