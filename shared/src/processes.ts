import type { RouteDefinition } from './http/route.js';
import { createHttpApp, listen, type RunningServer } from './http/app.js';
import { createMetricsApp } from './http/metrics-app.js';
import type { Logger } from './logger.js';
import { isDbReachable } from './db/database.js';
import { isNatsReachable } from './nats/connection.js';
import { openResources, type Resources, type ResourceSettings } from './platform.js';
import type { Subscription } from './consumer/subscription.js';
import { startWorker } from './worker.js';
import { createAuthenticator, type AuthSettings } from './http/auth.js';
import { rateLimitMiddleware, type RateLimitSettings } from './http/rate-limit.js';

export interface RunningApi extends RunningServer {
  resources: Resources;
  stop(): Promise<void>;
}

export interface RunningWorkerProcess {
  resources: Resources;
  /** where the worker serves /metrics and /healthz */
  metricsUrl: string;
  stop(): Promise<void>;
}

/**
 * An api process: opens the connections, serves the service's routes on `config.port`
 * (0 picks a free port, as tests do) and returns how to stop: stop accepting, finish
 * in-flight requests, close NATS and the pool.
 */
export async function startApiProcess(
  definition: { service: string; description: string; routes: (resources: Resources) => RouteDefinition[] },
  config: ResourceSettings & AuthSettings & RateLimitSettings & { port: number; bodyLimit: string },
  log: Logger,
): Promise<RunningApi> {
  const resources = await openResources(definition.service, 'api', config, log);
  const app = createHttpApp({
    service: definition.service,
    description: definition.description,
    log,
    registry: resources.registry,
    routes: definition.routes(resources),
    readiness: { database: () => isDbReachable(resources.db), nats: () => isNatsReachable(resources.nc) },
    bodyLimit: config.bodyLimit,
    authenticate: createAuthenticator(config),
    rateLimit: rateLimitMiddleware({ db: resources.db, settings: config, log, registry: resources.registry }),
  });
  const server = await listen(app, config.port);
  log.info({ port: server.port }, 'api listening');
  return {
    ...server,
    resources,
    async stop() {
      await server.close();
      await resources.close();
    },
  };
}

export interface WorkerProcessConfig extends ResourceSettings {
  relayBatchSize: number;
  relayPollIntervalMs: number;
  relayGatherMs: number;
  relayRetentionHours: number;
  consumerBatchSize: number;
  consumerFlushWaitMs: number;
  consumerConcurrency: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  metricsPort: number;
  consumerLagIntervalMs: number;
}

/** A worker process: the outbox relay, the service's subscriptions, and /metrics on `config.metricsPort`. */
export async function startWorkerProcess(
  definition: { service: string; subscriptions: (resources: Resources) => Subscription[] },
  config: WorkerProcessConfig,
  log: Logger,
): Promise<RunningWorkerProcess> {
  const resources = await openResources(definition.service, 'worker', config, log);
  let metrics: RunningServer;
  try {
    // first: a port already in use stops the process before it takes any work
    metrics = await listen(createMetricsApp(resources.registry), config.metricsPort);
  } catch (error) {
    await resources.close();
    throw error;
  }
  const subscriptions = definition.subscriptions(resources);
  const worker = startWorker(resources, {
    subscriptions,
    relay: { batchSize: config.relayBatchSize, pollIntervalMs: config.relayPollIntervalMs, gatherMs: config.relayGatherMs, retentionMs: config.relayRetentionHours * 3600_000 },
    consumers: { batchSize: config.consumerBatchSize, flushWaitMs: config.consumerFlushWaitMs, concurrency: config.consumerConcurrency, retry: { baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs } },
    lagIntervalMs: config.consumerLagIntervalMs,
  });
  log.info({ subscriptions: subscriptions.map((s) => s.consumer.durable), metricsPort: metrics.port }, 'worker started');
  return {
    resources,
    metricsUrl: metrics.url,
    async stop() {
      await worker.stop();
      await metrics.close();
      await resources.close();
    },
  };
}
