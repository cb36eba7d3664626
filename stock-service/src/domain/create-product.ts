import { AppError } from '@order-platform/shared';
import { insertProduct } from '../data/products-repository.js';
import type { UseCaseDeps } from './deps.js';
import { newProduct, productChanged, type NewProduct, type Product } from './product.js';

/** Adds a product to the catalog and announces it, so order-service can sell it. */
export async function createProduct(deps: UseCaseDeps, input: NewProduct): Promise<Product> {
  const now = deps.clock();
  const product = newProduct(input, now);
  return deps.db.transaction(async (trx) => {
    if (!(await insertProduct(trx, product))) throw new AppError('conflict', `product ${input.sku} exists already`);
    await deps.outbox.add(trx, 'stock.product-changed', { subject: product.sku, data: productChanged(product, now), time: now });
    return product;
  });
}
