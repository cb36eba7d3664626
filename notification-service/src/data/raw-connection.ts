import type { Knex } from '@order-platform/shared';

/**
 * A node-postgres connection, for the statements of the hot path: a named statement
 * (`{ name, text, values }`) is parsed and planned once per connection, and skips knex's query
 * building and its event machinery (issue 10's profile: knex was ~11 % of the worker's CPU).
 */
export interface Connection {
  query<R = Record<string, unknown>>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[]; rowCount: number | null }>;
  query<R = Record<string, unknown>>(text: string): Promise<{ rows: R[]; rowCount: number | null }>;
  end(): Promise<void>;
}

/** The connection of a handler's transaction (the batch's own: acquiring it takes nothing from the pool). */
export async function connectionOf(trx: Knex.Transaction): Promise<Connection> {
  return (await trx.client.acquireConnection()) as Connection;
}

/** Runs `use` on a connection of `db`'s pool, autocommit, and gives the connection back. */
export async function withConnection<T>(db: Knex, use: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = (await db.client.acquireConnection()) as Connection;
  try {
    return await use(connection);
  } finally {
    await db.client.releaseConnection(connection);
  }
}

/**
 * Runs `use` in a transaction on a connection of `db`'s pool. A connection whose transaction
 * cannot be rolled back (it is broken) is ended, so the pool drops it instead of handing out a
 * connection still in a transaction.
 */
export function inTransactionOn<T>(db: Knex, use: (connection: Connection) => Promise<T>): Promise<T> {
  return withConnection(db, async (connection) => {
    await connection.query('begin');
    try {
      const result = await use(connection);
      await connection.query('commit');
      return result;
    } catch (error) {
      await connection.query('rollback').catch(() => connection.end().catch(() => undefined));
      throw error;
    }
  });
}
