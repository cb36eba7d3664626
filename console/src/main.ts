import { runService } from '@order-platform/shared';
import { startConsole } from './app.js';
import { loadConsoleConfig } from './config.js';

await runService({ service: 'console', process: 'console', loadConfig: () => loadConsoleConfig(), start: startConsole });
