import type { Knex, RawConnection } from '@order-platform/shared';

/**
 * The hot path's statements go to the node-postgres connection as named statements
 * (`{ name, text, values }`): parsed and planned once per connection, and without knex's query
 * building and its event machinery (issue 10's profile: knex was ~11 % of the worker's CPU).
 * A handler's transaction's connection is shared's `connectionOf`; the ledger's are these.
 */
export type Connection = RawConnection;

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
