import { apiConfig, commonConfig, defineConfig, parseConfig, workerConfig, type ConfigOf } from '@order-platform/shared';

export const SERVICE = 'payment-service';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/payment_service';

const serviceKeys = defineConfig({
  databaseUrl: { env: 'DATABASE_URL', type: 'string', default: DEFAULT_DATABASE_URL, description: "this service's Postgres database" },
});

export const apiSpec = defineConfig({
  ...commonConfig,
  ...serviceKeys,
  ...apiConfig,
  port: { env: 'PORT', type: 'integer', minimum: 0, maximum: 65535, default: 3003, description: 'HTTP port' },
});

export const workerSpec = defineConfig({
  ...commonConfig,
  ...serviceKeys,
  ...workerConfig,
  autocommitPoolMax: {
    env: 'DB_AUTOCOMMIT_POOL_MAX',
    type: 'integer',
    minimum: 1,
    default: 4,
    description: "connections for writes that must outlive a handler's transaction (charge attempts, the simulated gateway's records)",
  },
});

export type ApiConfig = ConfigOf<typeof apiSpec>;
export type WorkerConfig = ConfigOf<typeof workerSpec>;

// The only place this service reads the environment.
export const loadApiConfig = (env = process.env): ApiConfig => parseConfig(apiSpec, env);
export const loadWorkerConfig = (env = process.env): WorkerConfig => parseConfig(workerSpec, env);
