import { AppError, inTransaction } from '@order-platform/shared';
import { insertProduct } from '../data/products-repository.js';
import type { UseCaseDeps } from './deps.js';
import { newProduct, productChanged, type NewProduct, type Product } from './product.js';

/** Adds a product to the catalog and announces it, so order-service can sell it. */
export async function createProduct(deps: UseCaseDeps, input: NewProduct): Promise<Product> {
  return inTransaction(deps, async ({ trx, outbox, now }) => {
    const product = newProduct(input, now);
    if (!(await insertProduct(trx, product))) throw new AppError('conflict', `product ${input.sku} exists already`);
    outbox.add('stock.product-changed', { subject: product.sku, data: productChanged(product, now) });
    return product;
  });
}
