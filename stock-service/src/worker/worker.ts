import { openResources, startWorker as startPlatformWorker, type Logger, type Resources } from '@order-platform/shared';
import { SERVICE, type WorkerConfig } from '../config.js';
import { subscriptions } from './subscriptions.js';

export interface RunningStockWorker {
  resources: Resources;
  stop(): Promise<void>;
}

/** Opens the connections, starts the outbox relay and the consumers, and returns how to stop. */
export async function startWorker(config: WorkerConfig, log: Logger): Promise<RunningStockWorker> {
  const resources = await openResources(SERVICE, 'worker', config, log);
  const worker = startPlatformWorker(
    { ...resources },
    {
      subscriptions: subscriptions(),
      relay: { batchSize: config.relayBatchSize, pollIntervalMs: config.relayPollIntervalMs, retentionMs: config.relayRetentionHours * 3600_000 },
      consumers: { concurrency: config.consumerConcurrency, retry: { baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs } },
    },
  );
  return {
    resources,
    async stop() {
      await worker.stop();
      await resources.close();
    },
  };
}
