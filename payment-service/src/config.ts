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
  // the simulated gateway's records (it stands for the provider, whose side outlives a rollback)
  ...autocommitPoolConfig,
  paymentMethodSweepIntervalMs: {
    env: 'PAYMENT_METHOD_SWEEP_INTERVAL_MS',
    type: 'integer',
    minimum: 100,
    default: 60_000,
    description: 'how often the worker erases the card tokens of payment methods that expired unused',
  },
  paymentChargeBudgetMs: {
    env: 'PAYMENT_CHARGE_BUDGET_MS',
    type: 'integer',
    minimum: 0,
    default: 30_000,
    description:
      'how long a charge is retried while the card gateway is unavailable, from its first attempt to payments.failed (payment_unavailable): the worker gives the charging message as many deliveries as fit at the retry backoff (RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS) with its longest jitter, 1 to 20',
  },
  paymentOrderWaitMs: {
    env: 'PAYMENT_ORDER_WAIT_MS',
    type: 'integer',
    minimum: 1,
    default: 300_000,
    description: 'how long a payment whose stock.reserved came waits for its orders.created; then it fails as payment_unavailable, so the order is cancelled and its stock released',
  },
  paymentOrderSweepIntervalMs: {
    env: 'PAYMENT_ORDER_SWEEP_INTERVAL_MS',
    type: 'integer',
    minimum: 100,
    default: 60_000,
    description: 'how often the worker looks for payments that waited longer than PAYMENT_ORDER_WAIT_MS for their orders.created',
  },
});

export type ApiConfig = ConfigOf<typeof apiSpec>;
export type WorkerConfig = ConfigOf<typeof workerSpec>;

// The only place this service reads the environment.
export const loadApiConfig = (env = process.env): ApiConfig => parseApiConfig(apiSpec, env);
export const loadWorkerConfig = (env = process.env): WorkerConfig => parseConfig(workerSpec, env);
