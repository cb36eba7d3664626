import type { Knex } from 'knex';
import type { RawConnection } from './statements.js';

/** Runs `use` on a connection of `db`'s pool, autocommit, and gives the connection back. */
export async function withConnection<T>(db: Knex, use: (connection: RawConnection) => Promise<T>): Promise<T> {
  const connection = (await db.client.acquireConnection()) as RawConnection;
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
export function inTransactionOn<T>(db: Knex, use: (connection: RawConnection) => Promise<T>): Promise<T> {
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

interface Waiting<W, R> {
  write: W;
  /** committed by a COMMIT even when written alone (see `GroupCommit.write`) */
  transaction: boolean;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Writes that must each be committed before their caller goes on, apart from the caller's own
 * transaction (a record that must outlive its rollback: the simulated card provider's, the
 * delivery log's), on a pool of their own.
 *
 * The messages of a batch run side by side, so such writes come close together: a write asked
 * for while others are being committed waits for them, and all that waited go out together in
 * the next transaction, one BEGIN … COMMIT with their statements in one socket write, instead
 * of a commit each (the 36 charges of a payment batch were 36 commits, nine after one another
 * on the gateway's four connections). An idle writer writes at once, and a write alone is one
 * statement, in a transaction only where its caller asks for one. When a shared transaction
 * fails, each of its writes is made again on its own, so a write that cannot be made fails
 * only its own caller.
 *
 * Writes of one group run in the order they were asked for, on one connection, so two writes
 * of one row (a key asked for twice) apply one after the other, as they would alone.
 */
export class GroupCommit<W, R = void> {
  private waiting: Waiting<W, R>[] = [];
  private writing = false;

  constructor(
    readonly db: Knex,
    private readonly writeOn: (connection: RawConnection, write: W) => Promise<R>,
  ) {}

  /**
   * Makes `write` and resolves with its result once committed. `transaction`: never as a lone
   * statement, which Postgres would commit even after its caller died waiting on it, but with a
   * COMMIT, which a dead caller never sends.
   */
  write(write: W, { transaction = false }: { transaction?: boolean } = {}): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ write, transaction, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0);
        if (group.length > 1 && (await this.together(group))) continue;
        await Promise.all(group.map((w) => this.alone(w)));
      }
    } finally {
      this.writing = false;
    }
  }

  private async together(group: Waiting<W, R>[]): Promise<boolean> {
    let results: R[];
    try {
      results = await inTransactionOn(this.db, (connection) => Promise.all(group.map((w) => this.writeOn(connection, w.write))));
    } catch {
      return false; // each again on its own: only the one that cannot be written fails
    }
    group.forEach((w, i) => w.resolve(results[i]!));
    return true;
  }

  private alone(w: Waiting<W, R>): Promise<void> {
    const write = (connection: RawConnection): Promise<R> => this.writeOn(connection, w.write);
    return (w.transaction ? inTransactionOn(this.db, write) : withConnection(this.db, write)).then(w.resolve, w.reject);
  }
}
