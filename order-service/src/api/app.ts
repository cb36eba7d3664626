import { startApiProcess, type Logger, type Resources, type RunningApi } from '@order-platform/shared';
import { SERVICE, type ApiConfig } from '../config.js';
import { consumers } from '../worker/subscriptions.js';
import { CachedCatalog } from '../data/cached-catalog.js';
import { HistoryFeed } from '../data/history-feed.js';
import { pruneIdempotencyRecords } from '../data/idempotency-repository.js';
import { orderRecords } from '../domain/order-records.js';
import { StreamSlots } from '../domain/stream-slots.js';
import { orderRoutes } from './routes/orders.js';

export type { RunningApi };

export async function startApi(config: ApiConfig, log: Logger): Promise<RunningApi> {
  const idempotencyRetentionMs = config.idempotencyRetentionHours * 3600_000;
  let feed: HistoryFeed | undefined;
  const routes = (resources: Resources) => {
    feed = new HistoryFeed({ db: resources.db, databaseUrl: resources.databaseUrl, log, resyncMs: config.sseResyncIntervalMs });
    const streams = { db: resources.db, feed, slots: new StreamSlots(config.sseMaxStreamsPerPrincipal), lifetimeMs: config.sseMaxLifetimeSeconds * 1000 };
    return orderRoutes({ ...resources, catalog: new CachedCatalog(resources.db, config.catalogCacheSize), idempotencyRetentionMs }, streams);
  };
  const api = await startApiProcess({ service: SERVICE, consumers, orderRecords, description: 'Orders, their history, and a read model of the catalog.', routes }, config, log);
  const history = feed!;
  await history.start();
  // every replica prunes: deleting expired keys twice is harmless, and no replica is special
  const prune = setInterval(() => {
    pruneIdempotencyRecords(api.resources.db, new Date(Date.now() - idempotencyRetentionMs)).catch((error: unknown) => log.warn({ err: error }, 'could not prune idempotency keys'));
  }, Math.min(idempotencyRetentionMs, 3600_000));
  prune.unref();
  return {
    ...api,
    async stop() {
      clearInterval(prune);
      // open streams end first (clients resume elsewhere with Last-Event-ID): the server waits for them
      await history.close();
      await api.stop();
    },
  };
}
