import { parseApiConfig, autocommitPoolConfig, defineConfig, parseConfig, serviceConfigSpecs, type ConfigOf } from '@order-platform/shared';

export const SERVICE = 'payment-service';
export const DEFAULT_DATABASE_URL = 'postgres://payment_service_app@127.0.0.1:5432/payment_service';

const specs = serviceConfigSpecs({ databaseUrl: DEFAULT_DATABASE_URL, port: 3003 });
export const apiSpec = defineConfig({
  ...specs.api,
  paymentMethodTtlMinutes: {
    env: 'PAYMENT_METHOD_TTL_MINUTES',
    type: 'number',
    minimum: 0.01,
    default: 60,
    description: 'how long a registered payment method waits for an order to use it; then it cannot be used and its card token is erased',
  },
});
export const workerSpec = defineConfig({
  ...specs.worker,
  ...autocommitPoolConfig,
  paymentMethodSweepIntervalMs: {
    env: 'PAYMENT_METHOD_SWEEP_INTERVAL_MS',
    type: 'integer',
    minimum: 100,
    default: 60_000,
    description: 'how often the worker erases the card tokens of payment methods that expired unused',
  },
});

export type ApiConfig = ConfigOf<typeof apiSpec>;
export type WorkerConfig = ConfigOf<typeof workerSpec>;

// The only place this service reads the environment.
export const loadApiConfig = (env = process.env): ApiConfig => parseApiConfig(apiSpec, env);
export const loadWorkerConfig = (env = process.env): WorkerConfig => parseConfig(workerSpec, env);
