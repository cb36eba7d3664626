import { parseApiConfig, parseConfig, serviceConfigSpecs, type ConfigOf } from '@order-platform/shared';

export const SERVICE = 'analytics-service';
export const DEFAULT_DATABASE_URL = 'postgres://analytics_service_app@127.0.0.1:5432/analytics_service';

// A batch lingers up to 250 ms for more: no saga step waits on the read model, and fuller
// batches cost it a third less CPU per order at 50 orders/s (docs/architecture.md, "Consumers
// no saga step waits on linger").
const specs = serviceConfigSpecs({ databaseUrl: DEFAULT_DATABASE_URL, port: 3006, consumerFlushWaitMs: 250 });
export const apiSpec = specs.api;
export const workerSpec = {
  ...specs.worker,
  metricsPort: { ...specs.worker.metricsPort, default: 9468 },
};

export type ApiConfig = ConfigOf<typeof apiSpec>;
export type WorkerConfig = ConfigOf<typeof workerSpec>;

// The only place this service reads the environment.
export const loadApiConfig = (env = process.env): ApiConfig => parseApiConfig(apiSpec, env);
export const loadWorkerConfig = (env = process.env): WorkerConfig => parseConfig(workerSpec, env);
