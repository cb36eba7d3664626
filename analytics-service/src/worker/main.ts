import { runService } from '@order-platform/shared';
import { loadWorkerConfig, SERVICE } from '../config.js';
import { startWorker } from './worker.js';

await runService({ service: SERVICE, process: 'worker', loadConfig: () => loadWorkerConfig(), start: (config, log) => startWorker(config, log) });
