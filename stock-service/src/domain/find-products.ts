import { AppError, skuPattern, type Knex } from '@order-platform/shared';
import { findProduct, listProducts } from '../data/products-repository.js';
import type { Product } from './product.js';

export async function getProduct(db: Knex, sku: string): Promise<Product> {
  const product = await findProduct(db, sku);
  if (!product) throw new AppError('not_found', `product ${sku} does not exist`);
  return product;
}

const validSku = new RegExp(skuPattern);

function decodeCursor(cursor: string): string {
  const sku = Buffer.from(cursor, 'base64url').toString();
  if (!validSku.test(sku)) throw new AppError('bad_request', 'cursor is invalid; use the nextCursor of a previous page');
  return sku;
}

/** One page of products in sku order; the cursor is the last sku of the previous page. */
export async function findProducts(db: Knex, page: { limit: number; cursor?: string | undefined }): Promise<{ items: Product[]; nextCursor: string | null }> {
  const afterSku = page.cursor ? decodeCursor(page.cursor) : undefined;
  const items = await listProducts(db, { limit: page.limit + 1, afterSku });
  const more = items.length > page.limit;
  const shown = items.slice(0, page.limit);
  return { items: shown, nextCursor: more ? Buffer.from(shown.at(-1)!.sku).toString('base64url') : null };
}
