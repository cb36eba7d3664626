import type { Knex } from '@order-platform/shared';
import type { Product } from '../domain/product.js';

interface ProductRow {
  sku: string;
  name: string;
  price_amount: number;
  currency: string;
  available: number;
  reserved: number;
  sold: number;
  low_stock_threshold: number;
  active: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toProduct(row: ProductRow): Product {
  return {
    sku: row.sku,
    name: row.name,
    price: { amount: Number(row.price_amount), currency: row.currency },
    available: row.available,
    reserved: row.reserved,
    sold: row.sold,
    lowStockThreshold: row.low_stock_threshold,
    active: row.active,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(product: Product): ProductRow {
  return {
    sku: product.sku,
    name: product.name,
    price_amount: product.price.amount,
    currency: product.price.currency,
    available: product.available,
    reserved: product.reserved,
    sold: product.sold,
    low_stock_threshold: product.lowStockThreshold,
    active: product.active,
    version: product.version,
    created_at: product.createdAt,
    updated_at: product.updatedAt,
  };
}

export async function findProduct(db: Knex | Knex.Transaction, sku: string, options: { forUpdate?: boolean } = {}): Promise<Product | undefined> {
  const query = db<ProductRow>('products').where({ sku }).first();
  const row = await (options.forUpdate ? query.forUpdate() : query);
  return row ? toProduct(row) : undefined;
}

/** Inserts; returns false when the sku exists already. */
export async function insertProduct(trx: Knex.Transaction, product: Product): Promise<boolean> {
  const inserted = await trx('products').insert(toRow(product)).onConflict('sku').ignore().returning('sku');
  return inserted.length === 1;
}

export async function updateProduct(trx: Knex.Transaction, product: Product): Promise<void> {
  const { sku, created_at: _createdAt, ...fields } = toRow(product);
  await trx('products').where({ sku }).update(fields);
}

/** Products in sku order, after `afterSku` (keyset paging). */
export async function listProducts(db: Knex, options: { limit: number; afterSku?: string | undefined }): Promise<Product[]> {
  const query = db<ProductRow>('products').orderBy('sku').limit(options.limit);
  if (options.afterSku) void query.where('sku', '>', options.afterSku);
  return (await query).map(toProduct);
}

/** A products row as json_agg gives it (timestamps as text): see reservations-repository. */
export function productFromJson(row: Omit<ProductRow, 'created_at' | 'updated_at'> & { created_at: string; updated_at: string }): Product {
  return toProduct({ ...row, created_at: new Date(row.created_at), updated_at: new Date(row.updated_at) });
}
