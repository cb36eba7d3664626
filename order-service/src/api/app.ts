import { startApiProcess, type Logger, type RunningApi } from '@order-platform/shared';
import { SERVICE, type ApiConfig } from '../config.js';
import { pruneIdempotencyRecords } from '../data/idempotency-repository.js';
import { orderRoutes } from './routes/orders.js';

export type { RunningApi };

export async function startApi(config: ApiConfig, log: Logger): Promise<RunningApi> {
  const idempotencyRetentionMs = config.idempotencyRetentionHours * 3600_000;
  const api = await startApiProcess(
    { service: SERVICE, description: 'Orders, their history, and a read model of the catalog.', routes: (resources) => orderRoutes({ ...resources, idempotencyRetentionMs }) },
    config,
    log,
  );
  // every replica prunes: deleting expired keys twice is harmless, and no replica is special
  const prune = setInterval(() => {
    pruneIdempotencyRecords(api.resources.db, new Date(Date.now() - idempotencyRetentionMs)).catch((error: unknown) => log.warn({ err: error }, 'could not prune idempotency keys'));
  }, Math.min(idempotencyRetentionMs, 3600_000));
  prune.unref();
  return {
    ...api,
    async stop() {
      clearInterval(prune);
      await api.stop();
    },
  };
}
