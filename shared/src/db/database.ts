import knexModule, { type Knex } from 'knex';
import pg from 'pg';

export type { Knex };

// int8 (bigint, count(*)) arrives as a string by default; our amounts and counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

const knexFactory = knexModule as unknown as typeof knexModule.knex;

export function createDb(databaseUrl: string, options: { poolMax?: number; applicationName?: string } = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: databaseUrl, application_name: options.applicationName ?? 'order-platform' },
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 10_000,
  });
}

export async function isDbReachable(db: Knex): Promise<boolean> {
  try {
    await db.raw('select 1');
    return true;
  } catch {
    return false;
  }
}

/** The database name and a URL for the server's maintenance database, to create it. */
export function splitDatabaseUrl(databaseUrl: string): { database: string; maintenanceUrl: string } {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  return { database, maintenanceUrl: url.toString() };
}

/** Creates the database if it does not exist. Safe when several processes race to do it. */
export async function ensureDatabase(databaseUrl: string): Promise<'created' | 'exists'> {
  const { database, maintenanceUrl } = splitDatabaseUrl(databaseUrl);
  const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount) return 'exists';
    await client.query(`create database "${database.replaceAll('"', '""')}"`);
    return 'created';
  } catch (error) {
    // 42P04 duplicate_database, 23505 unique_violation: another process created it first
    const code = (error as { code?: string }).code;
    if (code === '42P04' || code === '23505') return 'exists';
    throw error;
  } finally {
    await client.end();
  }
}
