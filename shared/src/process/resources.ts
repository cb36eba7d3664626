import type { NatsConnection } from '@nats-io/transport-node';
import type { Knex } from 'knex';
import type { Registry } from 'prom-client';
import { createDb } from '../db/database.js';
import type { Logger } from '../logger.js';
import { createRegistry } from '../metrics.js';
import { closeNats, connectNats } from '../nats/connection.js';
import { Topology } from '../nats/topology.js';
import { Outbox } from '../outbox/outbox.js';

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

/**
 * Opens what every process of a service holds: the Postgres pool (checked with one query, so a
 * wrong URL stops the process at once) and the NATS connection; `close` closes NATS, then the pool.
 */
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

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
