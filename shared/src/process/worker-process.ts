import { ConsumerLagMonitor } from '../consumer/lag.js';
import { ConsumerRunner } from '../consumer/runner.js';
import type { Subscription } from '../consumer/subscription.js';
import { isDbReachable } from '../db/database.js';
import { REPLAY_CHANNEL } from '../db/exhausted-table.js';
import { listen } from '../http/app.js';
import { createMetricsApp } from '../http/metrics-app.js';
import type { Logger } from '../logger.js';
import { createRegistry } from '../metrics.js';
import { isNatsReachable } from '../nats/connection.js';
import { OutboxRelay } from '../outbox/relay.js';
import { openResources, type Resources, type ResourceSettings } from './resources.js';

export interface RunningWorkerProcess {
  resources: Resources;
  /** where the worker serves /metrics and /healthz */
  metricsUrl: string;
  stop(): Promise<void>;
}

export interface WorkerProcessConfig extends ResourceSettings {
  relayBatchSize: number;
  relayPollIntervalMs: number;
  relayGatherMs: number;
  relayMarkDelayMs: number;
  relayRetentionHours: number;
  consumerBatchSize: number;
  consumerFlushWaitMs: number;
  consumerConcurrency: number;
  replayPollIntervalMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  metricsPort: number;
  consumerLagIntervalMs: number;
}

/**
 * A worker process, in the order it runs.
 * Opens: /metrics, /healthz and /readyz on `config.metricsPort` (first: a port in use stops the
 * process before it takes any work), then the Postgres pool and the NATS connection, waiting for
 * either as long as it is away (/readyz answers 503 meanwhile).
 * Starts: the outbox relay (active on one replica at a time; while it is, it takes the rows
 * this process's batches commit from them, without a NOTIFY and a select), the service's subscriptions
 * (shared by every replica), and the lag gauges of their consumers.
 * Stops: the lag gauges; the consumers (in-flight batches finish and are acked); the relay,
 * drained of what they wrote; /metrics; then NATS and the pool.
 */
export async function startWorkerProcess(
  definition: { service: string; subscriptions: (resources: Resources) => Subscription[] },
  config: WorkerProcessConfig,
  log: Logger,
): Promise<RunningWorkerProcess> {
  const registry = createRegistry({ service: definition.service, process: 'worker' });
  let waitingFor: string | undefined = 'Postgres';
  let resources: Resources | undefined;
  const readiness = async () => {
    if (!resources) return { ready: false, body: { status: 'starting', waitingFor } };
    const checks = { database: await isDbReachable(resources.db), nats: await isNatsReachable(resources.nc) };
    const ready = checks.database && checks.nats;
    return { ready, body: { status: ready ? 'ready' : 'not ready', checks } };
  };
  // first: a port in use stops the process before it waits for anything or takes any work
  const metrics = await listen(createMetricsApp(registry, readiness), config.metricsPort);
  try {
    resources = await openResources(definition.service, 'worker', config, log, { registry, waiting: (dependency) => (waitingFor = dependency) });
  } catch (error) {
    await metrics.close();
    throw error;
  }

  const subscriptions = definition.subscriptions(resources);
  const retry = { baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs };
  const relay = new OutboxRelay({
    ...resources,
    batchSize: config.relayBatchSize,
    pollIntervalMs: config.relayPollIntervalMs,
    gatherMs: config.relayGatherMs,
    markDelayMs: config.relayMarkDelayMs,
    retentionMs: config.relayRetentionHours * 3600_000,
    // a replay request written through the api is run at once, not at the next poll
    channels: { [REPLAY_CHANNEL]: () => consumers.replayRequested() },
  });
  // what the worker's batches write, its relay takes from them when it is the active one
  resources.outbox.handOffTo(relay);
  const consumers = new ConsumerRunner({
    ...resources,
    subscriptions,
    batchSize: config.consumerBatchSize,
    flushWaitMs: config.consumerFlushWaitMs,
    concurrency: config.consumerConcurrency,
    replayIntervalMs: config.replayPollIntervalMs,
    retry,
  });
  const lag = new ConsumerLagMonitor({ ...resources, consumers: subscriptions.map((s) => s.consumer), intervalMs: config.consumerLagIntervalMs });
  relay.start();
  consumers.start();
  lag.start();
  log.info({ subscriptions: subscriptions.map((s) => s.consumer.durable), metricsPort: metrics.port }, 'worker started');

  return {
    resources,
    metricsUrl: metrics.url,
    async stop() {
      await lag.stop();
      // consumers first: their handlers may still write outbox rows the relay should publish
      await consumers.stop();
      await relay.stop();
      await metrics.close();
      await resources.close(); // NATS, then the pool
    },
  };
}
