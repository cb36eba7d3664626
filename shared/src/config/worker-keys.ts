import { defineConfig } from './spec.js';

/** Keys of worker processes. */
export const workerConfig = defineConfig({
  dbPoolMax: { env: 'DB_POOL_MAX', type: 'integer', minimum: 2, default: 10, description: 'Postgres connections per process' },
  relayBatchSize: { env: 'RELAY_BATCH_SIZE', type: 'integer', minimum: 1, maximum: 10000, default: 1000, description: 'outbox rows published per relay round' },
  relayPollIntervalMs: { env: 'RELAY_POLL_INTERVAL_MS', type: 'integer', minimum: 10, default: 1000, description: 'outbox poll interval when no NOTIFY arrives' },
  relayGatherMs: {
    env: 'RELAY_GATHER_MS',
    type: 'integer',
    minimum: 0,
    maximum: 1000,
    default: 1,
    description: 'after a NOTIFY wakes the relay while batches are still out, how long it lets more commits arrive before it selects, so a burst goes out as one batch; an idle relay selects at once',
  },
  relayMarkDelayMs: {
    env: 'RELAY_MARK_DELAY_MS',
    type: 'integer',
    minimum: 0,
    maximum: 1000,
    default: 50,
    description:
      "how long the relay's marks of published rows wait: a consumer batch of the same process that commits meanwhile takes them with its COMMIT, else they go out as one update when it is over (fewer transactions; rows published but not yet marked are republished after a crash, and dropped by JetStream as duplicates); 0 marks at once",
  },
  relayRetentionHours: { env: 'RELAY_RETENTION_HOURS', type: 'number', minimum: 0, default: 24, description: 'published outbox rows are deleted after this long' },
  consumerBatchSize: { env: 'CONSUMER_BATCH_SIZE', type: 'integer', minimum: 1, maximum: 1000, default: 50, description: 'messages a consumer handles in one transaction, at most; it takes what has arrived without waiting for a full batch' },
  consumerFlushWaitMs: {
    env: 'CONSUMER_FLUSH_WAIT_MS',
    type: 'integer',
    minimum: 0,
    maximum: 1000,
    default: 0,
    description:
      'how long a batch may wait to fill once its first message is there (it goes as soon as it is full, so a backlog never waits); 0 adds nothing to an idle message. Services no saga step waits on (analytics, notification) linger by default',
  },
  consumerConcurrency: {
    env: 'CONSUMER_CONCURRENCY',
    type: 'integer',
    minimum: 1,
    maximum: 64,
    default: 1,
    description: 'batches in flight at once per subscription and process; above 1, batches touching the same rows in different orders can deadlock (Postgres then retries one)',
  },
  replayPollIntervalMs: {
    env: 'REPLAY_POLL_INTERVAL_MS',
    type: 'integer',
    minimum: 100,
    default: 5000,
    description: "how often the worker looks for dead letters replayed through the api when none is announced: each request is announced (NOTIFY) as it is written and the active relay's worker runs it at once",
  },
  retryBaseDelayMs: { env: 'RETRY_BASE_DELAY_MS', type: 'integer', minimum: 1, default: 500, description: 'delay before the first redelivery of a failed message; doubles each time' },
  retryMaxDelayMs: { env: 'RETRY_MAX_DELAY_MS', type: 'integer', minimum: 1, default: 30000, description: 'longest delay between redeliveries' },
  metricsPort: { env: 'METRICS_PORT', type: 'integer', minimum: 0, maximum: 65535, default: 9464, description: "port of the worker's `GET /metrics` (Prometheus) and `/healthz`; 0 picks a free one" },
  consumerLagIntervalMs: {
    env: 'CONSUMER_LAG_INTERVAL_MS',
    type: 'integer',
    minimum: 100,
    default: 5000,
    description: 'how often consumer_lag and the other JetStream consumer gauges are read from the server',
  },
});

/**
 * For workers whose handlers write outside their own transaction (a record that must survive a
 * rollback): a second, small pool, so handlers holding every pooled connection can never leave
 * such a write waiting for one.
 */
export const autocommitPoolConfig = defineConfig({
  autocommitPoolMax: {
    env: 'DB_AUTOCOMMIT_POOL_MAX',
    type: 'integer',
    minimum: 1,
    default: 4,
    description: "connections for writes that must commit apart from a handler's transaction, kept apart from the handlers' pool",
  },
});
