import { parseApiConfig, autocommitPoolConfig, defineConfig, parseConfig, serviceConfigSpecs, type ConfigOf } from '@order-platform/shared';

export const SERVICE = 'payment-service';
export const DEFAULT_DATABASE_URL = 'postgres://payment_service_app@127.0.0.1:5432/payment_service';

const specs = serviceConfigSpecs({ databaseUrl: DEFAULT_DATABASE_URL, port: 3003 });
export const apiSpec = specs.api;
export const workerSpec = defineConfig({
  ...specs.worker,
  ...autocommitPoolConfig,
});

export type ApiConfig = ConfigOf<typeof apiSpec>;
export type WorkerConfig = ConfigOf<typeof workerSpec>;

// The only place this service reads the environment.
export const loadApiConfig = (env = process.env): ApiConfig => parseApiConfig(apiSpec, env);
export const loadWorkerConfig = (env = process.env): WorkerConfig => parseConfig(workerSpec, env);
