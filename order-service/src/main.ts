import { runServiceComponents, serviceComponent } from '@order-platform/shared';
import { loadApiConfig, loadWorkerConfig, SERVICE } from './config.js';
import { startApi } from './api/app.js';
import { startWorker } from './worker/worker.js';

// The api and the worker in one process (README, "One process per service"): each as it runs
// alone (api/main.ts, worker/main.ts), with its own pools, connections and metrics.
await runServiceComponents(SERVICE, [
  serviceComponent({ process: 'api', loadConfig: () => loadApiConfig(), start: startApi }),
  serviceComponent({ process: 'worker', loadConfig: () => loadWorkerConfig(), start: startWorker }),
]);
