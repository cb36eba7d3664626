import { defineConfig, parseApiConfig, parseConfig, serviceConfigSpecs, type ConfigOf } from '@order-platform/shared';

export const SERVICE = 'order-service';
export const DEFAULT_DATABASE_URL = 'postgres://order_service_app@127.0.0.1:5432/order_service';

const specs = serviceConfigSpecs({ databaseUrl: DEFAULT_DATABASE_URL, port: 3001 });
export const apiSpec = defineConfig({
  ...specs.api,
  idempotencyRetentionHours: {
    env: 'IDEMPOTENCY_KEY_RETENTION_HOURS',
    type: 'number',
    minimum: 0.01,
    default: 24,
    description: "how long a caller's Idempotency-Key is remembered; a retry after that places a new order",
  },
  catalogCacheSize: {
    env: 'CATALOG_CACHE_SIZE',
    type: 'integer',
    minimum: 0,
    maximum: 1_000_000,
    default: 10_000,
    description:
      "products the api keeps in memory to price orders without reading the catalog first (the most recently ordered); an order's insert checks each price is still current, so a stale copy costs a re-read, never a wrong price. 0: read for every order",
  },
  sseMaxStreamsPerPrincipal: {
    env: 'SSE_MAX_STREAMS_PER_PRINCIPAL',
    type: 'integer',
    minimum: 1,
    default: 5,
    description: 'open `GET /orders/:id/stream` connections one principal may hold on one api process; the next is 429',
  },
  sseMaxLifetimeSeconds: {
    env: 'SSE_MAX_LIFETIME_SECONDS',
    type: 'integer',
    minimum: 1,
    default: 300,
    description: 'a status stream ends after this long; the client reconnects with Last-Event-ID and misses nothing',
  },
  sseResyncIntervalMs: {
    env: 'SSE_RESYNC_INTERVAL_MS',
    type: 'integer',
    minimum: 100,
    default: 5000,
    description: 'how often each watched order is read again without a notification (one read per order, not per stream): covers a lost NOTIFY',
  },
});
export const workerSpec = defineConfig({
  ...specs.worker,
  orderDeadlineMs: {
    env: 'ORDER_DEADLINE_MS',
    type: 'integer',
    minimum: 1000,
    default: 600_000,
    description: 'an order not confirmed or cancelled this long after it was placed is overdue: reported in `orders_overdue` and logged as an error by the worker',
  },
  orderDeadlineSweepIntervalMs: {
    env: 'ORDER_DEADLINE_SWEEP_INTERVAL_MS',
    type: 'integer',
    minimum: 100,
    default: 60_000,
    description: 'how often the worker looks for overdue orders',
  },
});

export type ApiConfig = ConfigOf<typeof apiSpec>;
export type WorkerConfig = ConfigOf<typeof workerSpec>;

// The only place this service reads the environment.
export const loadApiConfig = (env = process.env): ApiConfig => parseApiConfig(apiSpec, env);
export const loadWorkerConfig = (env = process.env): WorkerConfig => parseConfig(workerSpec, env);
