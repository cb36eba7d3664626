import type { NatsConnection } from '@nats-io/transport-node';
import type { Knex } from 'knex';
import type { LevelWithSilent } from 'pino';
import type { Registry } from 'prom-client';
import { ConfigError } from './config.js';
import { createDb } from './db/database.js';
import { createLogger, type Logger } from './logger.js';
import { createRegistry } from './metrics.js';
import { closeNats, connectNats } from './nats/connection.js';
import { Topology } from './nats/topology.js';
import { Outbox } from './outbox/outbox.js';
import { exitCodes, runProcess, type Stoppable } from './process.js';
import { startTracing } from './tracing.js';

/** The connections and helpers one process of a service holds; `close` releases them all. */
export interface Resources {
  service: string;
  log: Logger;
  db: Knex;
  databaseUrl: string;
  nc: NatsConnection;
  registry: Registry;
  topology: Topology;
  outbox: Outbox;
  clock: () => Date;
  close(): Promise<void>;
}

export interface ResourceSettings {
  databaseUrl: string;
  natsUrl: string;
  natsNamespace: string;
  /** the service's NATS user and password; empty or absent: no authentication */
  natsUser?: string;
  natsPassword?: string;
  dbPoolMax: number;
}

export async function openResources(service: string, processName: string, settings: ResourceSettings, log: Logger): Promise<Resources> {
  const db = createDb(settings.databaseUrl, { poolMax: settings.dbPoolMax, applicationName: `${service}-${processName}` });
  try {
    await db.raw('select 1');
  } catch (error) {
    await db.destroy();
    throw Object.assign(new Error(`cannot reach Postgres at ${redact(settings.databaseUrl)}: ${(error as Error).message}`), { code: (error as { code?: string }).code, cause: error });
  }
  let nc: NatsConnection;
  try {
    nc = await connectNats({ url: settings.natsUrl, name: `${service}-${processName}`, log, user: settings.natsUser ?? '', password: settings.natsPassword ?? '' });
  } catch (error) {
    await db.destroy();
    throw Object.assign(new Error(`cannot reach NATS at ${settings.natsUrl}: ${(error as Error).message}`), { code: 'CONNECTION_REFUSED', cause: error });
  }
  return {
    service,
    log,
    db,
    databaseUrl: settings.databaseUrl,
    nc,
    registry: createRegistry({ service, process: processName }),
    topology: new Topology(settings.natsNamespace),
    outbox: new Outbox(`/${service}`),
    clock: () => new Date(),
    async close() {
      await closeNats(nc);
      await db.destroy();
    },
  };
}

/**
 * The entry point of every process: load and validate config (a bad one exits 78 with every
 * problem listed), start tracing if an OTLP endpoint is configured, then run `start` under
 * signal handling (SIGTERM: finish in-flight work, flush spans, exit 0).
 */
export async function runService<C extends { logLevel: string; otelEndpoint?: string; otelSampleRatio?: number }>(options: {
  service: string;
  process: string;
  loadConfig: () => C;
  start: (config: C, log: Logger) => Promise<Stoppable>;
}): Promise<void> {
  let config: C;
  try {
    config = options.loadConfig();
  } catch (error) {
    const log = createLogger({ service: options.service, process: options.process });
    if (error instanceof ConfigError) log.fatal({ problems: error.problems }, 'invalid configuration: fix the environment and restart');
    else log.fatal({ err: error }, 'could not load configuration');
    process.exit(exitCodes.config);
  }
  const log = createLogger({ service: options.service, process: options.process, level: config.logLevel as LevelWithSilent });
  const tracing = await startTracing({ service: options.service, endpoint: config.otelEndpoint, sampleRatio: config.otelSampleRatio, log });
  await runProcess(log, async () => {
    const running = await options.start(config, log);
    return {
      async stop() {
        await running.stop();
        await tracing.shutdown();
      },
    };
  });
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
