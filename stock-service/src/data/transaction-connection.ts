import type { Knex } from '@order-platform/shared';

/** A statement prepared once per connection under its name, then only bound and run (issue 10: the hot path's round trips). */
export interface Statement {
  name: string;
  text: string;
}

/** The pg client under a knex transaction: the worker's hot statements go to it directly, without knex's query building. */
export interface TransactionConnection {
  query<R = Record<string, unknown>>(config: Statement & { values: unknown[] }): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** The transaction's own connection (knex hands a transaction's statements to the one it began on). */
export async function connectionOf(trx: Knex.Transaction): Promise<TransactionConnection> {
  return (await trx.client.acquireConnection()) as TransactionConnection;
}

/** Runs a named statement in the transaction. */
export async function run<R = Record<string, unknown>>(trx: Knex.Transaction, statement: Statement, values: unknown[]): Promise<R[]> {
  const connection = await connectionOf(trx);
  return (await connection.query<R>({ ...statement, values })).rows;
}
