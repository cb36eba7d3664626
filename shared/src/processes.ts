import type { RouteDefinition } from './http/route.js';
import { createHttpApp, listen, type RunningServer } from './http/app.js';
import type { Logger } from './logger.js';
import { isDbReachable } from './db/database.js';
import { isNatsReachable } from './nats/connection.js';
import { openResources, type Resources, type ResourceSettings } from './platform.js';
import type { Subscription } from './consumer/subscription.js';
import { startWorker } from './worker.js';

export interface RunningApi extends RunningServer {
  resources: Resources;
  stop(): Promise<void>;
}

export interface RunningWorkerProcess {
  resources: Resources;
  stop(): Promise<void>;
}

/**
 * An api process: opens the connections, serves the service's routes on `config.port`
 * (0 picks a free port, as tests do) and returns how to stop: stop accepting, finish
 * in-flight requests, close NATS and the pool.
 */
export async function startApiProcess(
  definition: { service: string; description: string; routes: (resources: Resources) => RouteDefinition[] },
  config: ResourceSettings & { port: number; bodyLimit: string },
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
  relayRetentionHours: number;
  consumerConcurrency: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

/** A worker process: the outbox relay and the service's subscriptions. */
export async function startWorkerProcess(
  definition: { service: string; subscriptions: (resources: Resources) => Subscription[] },
  config: WorkerProcessConfig,
  log: Logger,
): Promise<RunningWorkerProcess> {
  const resources = await openResources(definition.service, 'worker', config, log);
  const worker = startWorker(resources, {
    subscriptions: definition.subscriptions(resources),
    relay: { batchSize: config.relayBatchSize, pollIntervalMs: config.relayPollIntervalMs, retentionMs: config.relayRetentionHours * 3600_000 },
    consumers: { concurrency: config.consumerConcurrency, retry: { baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs } },
  });
  log.info({ subscriptions: definition.subscriptions(resources).map((s) => s.consumer.durable) }, 'worker started');
  return {
    resources,
    async stop() {
      await worker.stop();
      await resources.close();
    },
  };
}
