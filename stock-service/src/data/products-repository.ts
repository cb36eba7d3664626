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

/**
 * Locks the products of an order in sku order. Every transaction locks in the same order, so
 * concurrent reservations wait for each other instead of deadlocking.
 */
export async function lockProducts(trx: Knex.Transaction, skus: string[]): Promise<Map<string, Product>> {
  const rows = await trx<ProductRow>('products').whereIn('sku', [...new Set(skus)].sort()).orderBy('sku').forUpdate();
  return new Map(rows.map((row) => [row.sku, toProduct(row)]));
}

export async function saveStockLevels(trx: Knex.Transaction, products: Product[]): Promise<void> {
  for (const p of products) {
    await trx('products').where({ sku: p.sku }).update({ available: p.available, reserved: p.reserved, sold: p.sold, updated_at: p.updatedAt });
  }
}
