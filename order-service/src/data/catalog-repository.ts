import type { Knex, ProductChanged } from '@order-platform/shared';
import type { CatalogEntry } from '../domain/order.js';

interface CatalogRow {
  sku: string;
  name: string;
  price_amount: number;
  currency: string;
  active: boolean;
  version: number;
}

export async function findCatalogEntries(db: Knex | Knex.Transaction, skus: string[]): Promise<Map<string, CatalogEntry>> {
  // `= any` of an array: one statement text whatever the number of skus, so it is prepared once
  const rows = await db<CatalogRow>('catalog').whereRaw('sku = any(?::text[])', [skus]);
  return new Map(
    rows.map((row) => [row.sku, { sku: row.sku, name: row.name, price: { amount: Number(row.price_amount), currency: row.currency.trim() }, active: row.active, version: row.version }]),
  );
}

/**
 * Applies a product change if it is newer than what the read model holds. Changes may arrive
 * twice or out of order; the version makes the outcome the same either way.
 * Returns whether anything changed.
 */
export async function applyProductChange(trx: Knex.Transaction, change: ProductChanged): Promise<boolean> {
  const row = { sku: change.sku, name: change.name, price_amount: change.price.amount, currency: change.price.currency, active: change.active, version: change.version, changed_at: change.changedAt };
  const result = await trx.raw(
    `insert into catalog (sku, name, price_amount, currency, active, version, changed_at)
     values (:sku, :name, :price_amount, :currency, :active, :version, :changed_at)
     on conflict (sku) do update
       set name = excluded.name, price_amount = excluded.price_amount, currency = excluded.currency,
           active = excluded.active, version = excluded.version, changed_at = excluded.changed_at
     where catalog.version < excluded.version`,
    row,
  );
  return (result as { rowCount: number }).rowCount === 1;
}
