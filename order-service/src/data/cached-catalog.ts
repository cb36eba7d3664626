import { LRUCache } from 'lru-cache';
import type { Knex } from '@order-platform/shared';
import type { CatalogEntry } from '../domain/order.js';
import { findCatalogEntries } from './catalog-repository.js';

/** What a price was decided on: the entries, and whether any of them came from memory rather than the database just now. */
export interface CatalogLookup {
  entries: Map<string, CatalogEntry>;
  cached: boolean;
}

/**
 * The catalog as the api prices orders from it: the products it has read, the `size` most
 * recently used kept in memory, so an order of known products reads nothing before its insert.
 *
 * A kept entry may be stale (the worker applied a product change since), and is never trusted
 * on its own: the order's insert checks, in the same statement, that every product it was
 * priced from still has the version it was read at (`insertPlacedOrder`), and a rejection is
 * decided on rows read again (`place-order.ts`). A stale entry thus costs a read and a retry,
 * never a wrong price. Each api process keeps its own; nothing else needs to know.
 */
export class CachedCatalog {
  private readonly kept: LRUCache<string, CatalogEntry> | undefined;

  constructor(
    private readonly db: Knex,
    size: number,
  ) {
    this.kept = size > 0 ? new LRUCache({ max: size }) : undefined;
  }

  /** The entries of `skus`: kept ones as they are, the rest read (and kept). A sku the catalog lacks is not in the map. */
  async lookup(skus: readonly string[]): Promise<CatalogLookup> {
    const entries = new Map<string, CatalogEntry>();
    const missing: string[] = [];
    for (const sku of skus) {
      const entry = this.kept?.get(sku);
      if (entry) entries.set(sku, entry);
      else missing.push(sku);
    }
    if (missing.length > 0) for (const [sku, entry] of await this.read(missing)) entries.set(sku, entry);
    return { entries, cached: missing.length < skus.length };
  }

  /** The entries of `skus` as the database has them now, kept for the next order; what it lacks is forgotten. */
  async read(skus: readonly string[]): Promise<Map<string, CatalogEntry>> {
    const found = await findCatalogEntries(this.db, [...skus]);
    for (const sku of skus) {
      const entry = found.get(sku);
      if (entry) this.kept?.set(sku, entry);
      else this.kept?.delete(sku);
    }
    return found;
  }
}
