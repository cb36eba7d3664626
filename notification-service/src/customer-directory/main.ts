import { runService } from '@order-platform/shared';
import { loadDirectoryStubConfig } from '../config.js';
import { startDirectoryStub } from './app.js';

await runService({ service: 'customer-directory', process: 'api', loadConfig: () => loadDirectoryStubConfig(), start: startDirectoryStub });
