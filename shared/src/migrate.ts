import pg from 'pg';
import type { NatsConnection } from '@nats-io/transport-node';
import { createDb, splitDatabaseUrl } from './db/database.js';
import { bootstrapDatabase, grantAppPrivileges, serviceRoles, type DatabaseRoles } from './db/roles.js';
import type { Knex } from 'knex';
import type { StreamName } from './nats/streams.js';
import type { Logger } from './logger.js';
import { declareTopology, type ConsumerDeclaration, type StreamSettings, type Topology } from './nats/topology.js';
import { redact } from './process/resources.js';
import { isUnavailable } from './process/run-service.js';

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * What the migrator needs to know about a service: its knex migrations, the streams it
 * publishes to and the durable consumers it reads through.
 */
export interface ServiceDescriptor {
  service: string;
  defaultDatabaseUrl: string;
  migrations: Record<string, Migration>;
  streams: StreamName[];
  consumers: ConsumerDeclaration[];
  /**
   * A read model built only from events, which `make rebuild` may rebuild: its tables are
   * truncated and its consumers' processed-message rows deleted in one transaction, then those
   * consumers replay their streams from the first message (migrator/src/rebuild.ts).
   */
  readModel?: { tables: string[]; consumers: ConsumerDeclaration[] };
}

/** A knex migration source over statically imported modules: no directory scanning, works the same from src and dist. */
export function migrationSource(migrations: Record<string, Migration>): Knex.MigrationSource<string> {
  return {
    getMigrations: async () => Object.keys(migrations).sort(),
    getMigrationName: (name) => name,
    getMigration: async (name) => migrations[name]!,
  };
}

const MIGRATION_LOCK_KEY = 0x6d696772; // "migr"

export interface MigrateOptions {
  /** the service's database, as the role that owns it and its schema: the migrations run as it */
  databaseUrl: string;
  /** the role api and worker use; granted exactly row access after migrating (default `<database>_app`) */
  appRole?: string;
  /** a superuser: when given, first creates the database and both roles if missing (local runs) */
  adminUrl?: string;
  nc: NatsConnection;
  topology: Topology;
  streamSettings: StreamSettings;
  log: Logger;
}

/**
 * Brings one service's database and JetStream declarations up to date: with `adminUrl`, creates
 * what is missing of the database and its roles; applies pending knex migrations as the owner
 * under a Postgres advisory lock (so two migrators at once wait for each other instead of failing
 * on knex's lock table, or on concurrent GRANTs), grants the app role its privileges, then
 * declares streams and durable consumers.
 */
export async function migrate(descriptor: ServiceDescriptor, options: MigrateOptions): Promise<{ applied: string[] }> {
  const { log } = options;
  const owner = new URL(options.databaseUrl);
  const { database } = splitDatabaseUrl(options.databaseUrl);
  const roles: DatabaseRoles = { database, owner: decodeURIComponent(owner.username), app: options.appRole || serviceRoles(database).app };
  if (options.adminUrl) await bootstrap(options.adminUrl, roles, decodeURIComponent(owner.password), log);

  const lock = new pg.Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 5000 });
  await lock.connect();
  const db = createDb(options.databaseUrl, { poolMax: 2, applicationName: `${descriptor.service}-migrator` });
  let applied: string[];
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const [, names] = (await db.migrate.latest({ migrationSource: migrationSource(descriptor.migrations) })) as [number, string[]];
    applied = names;
    log.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
    await grantAppPrivileges(lock, roles).catch((error: unknown) => {
      if ((error as { code?: string }).code !== '42704') throw error; // undefined_object: no such role
      throw new Error(`role ${roles.app} does not exist: create it (deploy/postgres/roles.psql), or let the migrator create it with DATABASE_ADMIN_URL`, { cause: error });
    });
    log.info({ appRole: roles.app }, 'app role granted row access');
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end().catch(() => undefined);
    await db.destroy();
  }

  await declareTopology(options.nc, options.topology, descriptor, options.streamSettings, log);
  return { applied };
}

async function bootstrap(adminUrl: string, roles: DatabaseRoles, ownerPassword: string, log: Logger): Promise<void> {
  if (!roles.owner) throw new Error('the database URL names no user: the migrator cannot tell which role should own the database');
  try {
    const done = await bootstrapDatabase(adminUrl, roles, { owner: ownerPassword || undefined });
    if (done.length > 0) log.info({ done }, 'database and roles bootstrapped');
  } catch (error) {
    if (!isUnavailable(error)) throw error;
    throw Object.assign(new Error(`cannot reach Postgres at ${redact(adminUrl)} (the admin URL): ${(error as Error).message}`), { code: 'CONNECTION_REFUSED', cause: error });
  }
}
