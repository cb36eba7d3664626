import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import type { Customer, CustomerDirectory, CustomerLookup } from '../domain/customer.js';

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
 *
 * Lookups of one customer that miss while another is asking the directory wait for that answer
 * instead of asking again: a batch of mails for one customer, or every worker's mail once that
 * customer's TTL is over, is one call to the directory, not one per mail (its outcome, whatever
 * it is, answers them all; only `found` is then kept).
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
    help: 'customer lookups by whether the worker had the customer already (hit), waited for a lookup of the same customer under way (joined) or asked the directory (miss)',
    labelNames: ['outcome'],
    registers: options.registry ? [options.registry] : [],
  });
  const customers = new LRUCache<string, Customer>({ max: settings.maxEntries, ttl: settings.ttlMs, ttlResolution: 0, perf: { now } });
  const asking = new Map<string, Promise<CustomerLookup>>();
  // settled and forgotten in later ticks than the one that records it in `asking`
  const ask = (customerId: string): Promise<CustomerLookup> =>
    Promise.resolve(customerId)
      .then((id) => inner.find(id))
      .then((result) => {
        if (result.status === 'found') customers.set(customerId, result.customer);
        return result;
      })
      .finally(() => asking.delete(customerId));
  return {
    async find(customerId) {
      const customer = customers.get(customerId);
      if (customer) {
        lookups.inc({ outcome: 'hit' });
        return { status: 'found', customer };
      }
      const pending = asking.get(customerId);
      if (pending) {
        lookups.inc({ outcome: 'joined' });
        return pending;
      }
      lookups.inc({ outcome: 'miss' });
      const lookup = ask(customerId);
      asking.set(customerId, lookup);
      return lookup;
    },
  };
}
