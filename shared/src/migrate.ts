import pg from 'pg';
import type { NatsConnection } from '@nats-io/transport-node';
import { createDb, ensureDatabase } from './db/database.js';
import type { Logger } from './logger.js';
import { declareTopology, type StreamSettings, type Topology } from './nats/topology.js';
import { migrationSource, type ServiceDescriptor } from './service.js';

const MIGRATION_LOCK_KEY = 0x6d696772; // "migr"

export interface MigrateOptions {
  databaseUrl: string;
  nc: NatsConnection;
  topology: Topology;
  streamSettings: StreamSettings;
  log: Logger;
}

/**
 * Brings one service's database and JetStream declarations up to date: creates the database
 * if it is missing (and the credentials allow), applies pending knex migrations under a
 * Postgres advisory lock (so two migrators at once wait for each other instead of failing on
 * knex's lock table), then declares streams and durable consumers.
 */
export async function migrate(descriptor: ServiceDescriptor, options: MigrateOptions): Promise<{ applied: string[] }> {
  const { log } = options;
  try {
    const outcome = await ensureDatabase(options.databaseUrl);
    if (outcome === 'created') log.info('database created');
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 42501: not allowed to create databases; the database may still exist, so go on and let the migration tell
    if (code !== '42501') throw error;
    log.warn({ err: error }, 'not allowed to create the database; assuming it exists');
  }

  const lock = new pg.Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 5000 });
  await lock.connect();
  const db = createDb(options.databaseUrl, { poolMax: 2, applicationName: `${descriptor.service}-migrator` });
  let applied: string[];
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const [, names] = (await db.migrate.latest({ migrationSource: migrationSource(descriptor.migrations) })) as [number, string[]];
    applied = names;
    log.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end().catch(() => undefined);
    await db.destroy();
  }

  await declareTopology(options.nc, options.topology, descriptor, options.streamSettings, log);
  return { applied };
}
