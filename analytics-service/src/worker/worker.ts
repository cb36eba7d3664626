import { startWorkerProcess, type Logger, type RunningWorkerProcess } from '@order-platform/shared';
import { SERVICE, type WorkerConfig } from '../config.js';
import { subscriptions } from './subscriptions.js';

export type { RunningWorkerProcess };

export function startWorker(config: WorkerConfig, log: Logger): Promise<RunningWorkerProcess> {
  return startWorkerProcess({ service: SERVICE, subscriptions: () => subscriptions() }, config, log);
}
