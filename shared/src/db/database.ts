import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import knexModule, { type Knex } from 'knex';
import pg from 'pg';
import { AppError } from '../errors.js';
import { pipeliningDriver, type PlanRefresh } from './pipelining-client.js';

export type { Knex };

// int8 (bigint, count(*)) arrives as a string by default; our amounts and counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

const knexFactory = knexModule as unknown as typeof knexModule.knex;

/**
 * A knex pool. Its connections write what a tick sends in one write, a transaction's `BEGIN`
 * with its first statement (see `PipeliningClient`). With `prepare`, the statements it sends
 * often (with bindings) become named prepared statements on each connection (see
 * `PreparingPgClient`); apis and workers use it, the migrator does not (its DDL changes what
 * statements mean). Each connection drops its cached plans now and then, so they follow the
 * tables' growth (`planRefresh`, see `PipeliningClient`).
 */
export function createDb(databaseUrl: string, options: { poolMax?: number; applicationName?: string; prepare?: boolean; planRefresh?: PlanRefresh } = {}): Knex {
  return knexFactory({
    client: (options.prepare ? PreparingPgClient : PipeliningPgClient) as unknown as typeof knexModule.Client,
    connection: { connectionString: databaseUrl, application_name: options.applicationName ?? 'order-platform', ...(options.planRefresh ? { planRefresh: options.planRefresh } : {}) } as Knex.PgConnectionConfig,
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

interface KnexQuery {
  sql: string;
  bindings?: readonly unknown[];
  options?: Record<string, unknown>;
}
interface KnexPgConnection {
  __knex__disposed?: unknown;
}
const require = createRequire(import.meta.url);
const KnexPgClient = require('knex/lib/dialects/postgres/index.js') as new (config: Knex.Config) => {
  _query(connection: KnexPgConnection, query: KnexQuery): Promise<unknown>;
};

/** knex's Postgres client on the connections of pipelining-client.ts: every pool's. */
class PipeliningPgClient extends KnexPgClient {
  _driver(): typeof pg {
    return pipeliningDriver;
  }
}

/** Uses of one statement text before it is prepared, and distinct statements a process prepares at most. */
const PREPARE_AFTER_USES = 2;
const MAX_PREPARED = 300;
const MAX_COUNTED = 5_000;

/** Per pool: how often each statement text was sent, and the names of those it prepares. */
const preparedBy = new WeakMap<object, { uses: Map<string, number>; names: Map<string, string> }>();

/**
 * knex's Postgres client, preparing the statements a process sends again and again: from its
 * second use, a statement text with bindings is sent as a named prepared statement (the name a
 * hash of the text), so each connection parses and plans it once and then only binds and
 * executes it. knex builds the same text for the same query shape, so the hot paths' statements
 * are few; texts that vary (an `in` list of another length) are counted, and at most
 * MAX_PREPARED of them are prepared per process. A statement without bindings (BEGIN, COMMIT,
 * a multi-statement string) is never named.
 *
 * A prepared statement outlives a schema change: when Postgres refuses one because a column it
 * returns changed under it ("cached plan must not change result type", after a migration while
 * the process runs), that connection is dropped from the pool (its statements with it) and the
 * caller gets a transient error (a consumer retries it, an api answers 503), whose retry prepares
 * the new shape on another connection.
 */
class PreparingPgClient extends PipeliningPgClient {
  // knex makes a transaction's client from the prototype with the pool's `config`: what the pool
  // has prepared is kept by that config, so its transactions share it
  declare config: object;

  override _query(connection: KnexPgConnection, query: KnexQuery): Promise<unknown> {
    const name = query.bindings?.length && !query.options?.['name'] ? this.nameOf(query.sql) : undefined;
    if (!name) return super._query(connection, query);
    return super._query(connection, { ...query, options: { ...query.options, name } }).catch((error: unknown) => {
      if ((error as { code?: string }).code !== '0A000') throw error;
      connection.__knex__disposed = error;
      throw new AppError('transient', 'a statement prepared before a schema change was refused; its connection is dropped, retry', { cause: error });
    });
  }

  private nameOf(text: string): string | undefined {
    let statements = preparedBy.get(this.config);
    if (!statements) preparedBy.set(this.config, (statements = { uses: new Map(), names: new Map() }));
    const { uses, names } = statements;
    const known = names.get(text);
    if (known || names.size >= MAX_PREPARED) return known;
    const used = (uses.get(text) ?? 0) + 1;
    if (used < PREPARE_AFTER_USES) {
      if (uses.size >= MAX_COUNTED) uses.clear();
      uses.set(text, used);
      return undefined;
    }
    uses.delete(text);
    const name = `k${createHash('sha1').update(text).digest('base64url')}`;
    names.set(text, name);
    return name;
  }
}
