import { runService } from '@order-platform/shared';
import { loadApiConfig, SERVICE } from '../config.js';
import { startApi } from './app.js';

await runService({ service: SERVICE, process: 'api', loadConfig: () => loadApiConfig(), start: (config, log) => startApi(config, log) });
