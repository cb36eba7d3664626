import type { Knex } from 'knex';

/** A statement prepared once per connection under its name, then only bound and run: the hot paths' statements. */
export interface Statement {
  name: string;
  text: string;
}

/** The pg client under a knex transaction or pool: the hot statements go to it directly, without knex's query building. */
export interface RawConnection {
  query<R = Record<string, unknown>>(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: R[]; rowCount: number | null }>;
  query<R = Record<string, unknown>>(text: string): Promise<{ rows: R[]; rowCount: number | null }>;
  end(): Promise<void>;
}

/** The transaction's own connection: knex sends a transaction's statements on the one it began on, so acquiring it takes nothing from the pool. */
export async function connectionOf(trx: Knex.Transaction): Promise<RawConnection> {
  return (await trx.client.acquireConnection()) as RawConnection;
}

/** Runs a named statement in the transaction; its rows. */
export async function runStatement<R = Record<string, unknown>>(trx: Knex.Transaction, statement: Statement, values: unknown[]): Promise<R[]> {
  const connection = await connectionOf(trx);
  return (await connection.query<R>({ ...statement, values })).rows;
}
