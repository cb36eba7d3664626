import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import type { Customer, CustomerDirectory } from '../domain/customer.js';

export interface DirectoryCacheSettings {
  /** how long a found customer is kept; 0 turns the cache off (every lookup asks the directory) */
  ttlMs: number;
  /** the most customers kept; the least recently used goes first */
  maxEntries: number;
}

/**
 * A directory that remembers the customers `inner` found, for `ttlMs`, at most `maxEntries` of
 * them (least recently used out first): a customer's second mail within the TTL asks nobody, so
 * the HTTP call, its policies and the directory's own work are paid once per customer, not per mail.
 * Only `found` is kept. `unavailable` never is (the next lookup must try the directory, or get its
 * circuit's fallback), and neither is `unknown`: a customer may be added to the directory right
 * after a 404, and a remembered 404 would skip their next mails; 404s are rare, so asking again
 * costs little. An address changed in the directory is used from the next lookup after the TTL.
 */
export function cachedCustomerDirectory(
  inner: CustomerDirectory,
  settings: DirectoryCacheSettings,
  options: { registry?: Registry | undefined; now?: () => number } = {},
): CustomerDirectory {
  if (settings.ttlMs <= 0 || settings.maxEntries <= 0) return inner;
  const now = options.now ?? (() => performance.now());
  const lookups = new Counter({
    name: 'customer_directory_cache_lookups_total',
    help: 'customer lookups by whether the worker had the customer already (hit) or asked the directory (miss)',
    labelNames: ['outcome'],
    registers: options.registry ? [options.registry] : [],
  });
  const customers = new LRUCache<string, Customer>({ max: settings.maxEntries, ttl: settings.ttlMs, ttlResolution: 0, perf: { now } });
  return {
    async find(customerId) {
      const customer = customers.get(customerId);
      if (customer) {
        lookups.inc({ outcome: 'hit' });
        return { status: 'found', customer };
      }
      lookups.inc({ outcome: 'miss' });
      const result = await inner.find(customerId);
      if (result.status === 'found') customers.set(customerId, result.customer);
      return result;
    },
  };
}
