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
