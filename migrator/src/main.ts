#!/usr/bin/env node
import { ConfigError, createLogger, exitCodes, isUnavailable, type LogContext } from '@order-platform/shared';
import { loadConfig } from './config.js';
import { runMigrator } from './run.js';
import { services } from './services.js';

const name = process.argv[2] ?? '';
const boot = createLogger({ service: name || 'migrator', process: 'migrator' });
const load = services[name];
if (!load) {
  boot.fatal({ known: Object.keys(services) } satisfies LogContext, 'usage: migrator <service>');
  process.exit(64);
}
const descriptor = await load();
let config;
try {
  config = loadConfig(descriptor.defaultDatabaseUrl);
} catch (error) {
  boot.fatal(error instanceof ConfigError ? { problems: error.problems } : { err: error }, 'invalid configuration');
  process.exit(exitCodes.config);
}
const log = createLogger({ service: descriptor.service, process: 'migrator', level: config.logLevel });
try {
  await runMigrator(descriptor, config, log);
  log.info('migrated');
  process.exit(exitCodes.ok);
} catch (error) {
  const unavailable = isUnavailable(error);
  log.fatal({ err: error }, unavailable ? 'a dependency is unreachable' : 'migration failed');
  process.exit(unavailable ? exitCodes.unavailable : exitCodes.failure);
}
