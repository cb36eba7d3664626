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
});
export const workerSpec = specs.worker;

export type ApiConfig = ConfigOf<typeof apiSpec>;
export type WorkerConfig = ConfigOf<typeof workerSpec>;

// The only place this service reads the environment.
export const loadApiConfig = (env = process.env): ApiConfig => parseApiConfig(apiSpec, env);
export const loadWorkerConfig = (env = process.env): WorkerConfig => parseConfig(workerSpec, env);
