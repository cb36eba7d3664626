import type { Knex, ProductChanged } from '@order-platform/shared';
import { applyProductChange } from '../data/catalog-repository.js';

/** Keeps the catalog read model current; older or repeated versions change nothing. */
export async function recordProductChange(trx: Knex.Transaction, change: ProductChanged): Promise<boolean> {
  return applyProductChange(trx, change);
}
