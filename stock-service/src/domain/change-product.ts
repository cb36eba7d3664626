import { AppError, inTransaction } from '@order-platform/shared';
import { findProduct, updateProduct } from '../data/products-repository.js';
import type { UseCaseDeps } from './deps.js';
import { changeProduct as decideChange, productChanged, type Product, type ProductChanges } from './product.js';

/** Changes name, price or active flag; announces the new version when anything changed. */
export async function changeProduct(deps: UseCaseDeps, sku: string, changes: ProductChanges): Promise<Product> {
  return inTransaction(deps, async ({ trx, outbox, now }) => {
    const current = await findProduct(trx, sku, { forUpdate: true });
    if (!current) throw new AppError('not_found', `product ${sku} does not exist`);
    const { product, changed } = decideChange(current, changes, now);
    if (!changed) return product;
    await updateProduct(trx, product);
    outbox.add('stock.product-changed', { subject: sku, data: productChanged(product, now) });
    return product;
  });
}
