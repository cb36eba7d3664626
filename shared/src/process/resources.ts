import type { NatsConnection } from '@nats-io/transport-node';
import type { Knex } from 'knex';
import type { Registry } from 'prom-client';
import { CommitNotifier } from '../db/commit-notifier.js';
import { createDb } from '../db/database.js';
import type { Logger } from '../logger.js';
import { createRegistry } from '../metrics.js';
import { closeNats, connectNats } from '../nats/connection.js';
import { Topology } from '../nats/topology.js';
import { Outbox } from '../outbox/outbox.js';
import { waitFor } from './dependencies.js';

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
 * Opens what every process of a service holds: the Postgres pool and the NATS connection. When
 * either cannot be reached yet (down, restarting, not started), it waits for it, saying so in the
 * log, instead of failing: `waiting` tells who asks what it is waiting for. A wrong URL, password
 * or database name fails at once. `close` closes NATS, sends the notifications its writers asked
 * for after their commits, then closes the pool.
 */
export async function openResources(
  service: string,
  processName: string,
  settings: ResourceSettings,
  log: Logger,
  options: { registry?: Registry; waiting?: (dependency: string | undefined) => void } = {},
): Promise<Resources> {
  const waiting = options.waiting ?? (() => undefined);
  const db = createDb(settings.databaseUrl, { poolMax: settings.dbPoolMax, applicationName: `${service}-${processName}`, prepare: true });
  let nc: NatsConnection;
  try {
    waiting('Postgres');
    await waitFor('Postgres', redact(settings.databaseUrl), () => db.raw('select 1'), { log });
    waiting('NATS');
    nc = await waitFor(
      'NATS',
      settings.natsUrl,
      () => connectNats({ url: settings.natsUrl, name: `${service}-${processName}`, log, user: settings.natsUser ?? '', password: settings.natsPassword ?? '', connectTimeoutMs: 2000 }),
      { log },
    );
    waiting(undefined);
  } catch (error) {
    await db.destroy();
    throw Object.assign(new Error(`cannot start: ${(error as Error).message}`), { code: (error as { code?: string }).code, cause: error });
  }
  // the process's writers wake listeners (the relay, a service's own) after their commits
  const notifier = new CommitNotifier(db, log.child({ component: 'commit-notifier' }));
  const outbox = new Outbox(`/${service}`);
  outbox.notifyAfterCommitBy(notifier);
  return {
    service,
    log,
    db,
    databaseUrl: settings.databaseUrl,
    nc,
    registry: options.registry ?? createRegistry({ service, process: processName }),
    topology: new Topology(settings.natsNamespace),
    outbox,
    clock: () => new Date(),
    async close() {
      await closeNats(nc);
      await notifier.drain();
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
