import { AppError, inTransaction } from '@order-platform/shared';
import { findProduct, updateProduct } from '../data/products-repository.js';
import type { UseCaseDeps } from './deps.js';
import { restock, type Product } from './product.js';

/**
 * Adds received units to the available stock. Stock levels are not part of the catalog read
 * model, so no stock.product-changed is published for a restock.
 */
export async function restockProduct(deps: UseCaseDeps, sku: string, quantity: number): Promise<Product> {
  return inTransaction(deps, async ({ trx, now }) => {
    const current = await findProduct(trx, sku, { forUpdate: true });
    if (!current) throw new AppError('not_found', `product ${sku} does not exist`);
    const product = restock(current, quantity, now);
    await updateProduct(trx, product);
    return product;
  });
}
