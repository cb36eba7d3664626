import knexModule, { type Knex } from 'knex';
import type { RawConnection } from './statements.js';

const knexFactory = knexModule as unknown as typeof knexModule.knex;

/** What this module uses of a knex client, typed loosely (knex's types leave it out). */
interface LooseClient {
  config: object;
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
}
type ClientClass = new (config: Knex.Config) => LooseClient;

/** The knex bound to one connection of a pool, and whether a transaction holds it now. */
interface Binding {
  knex: Knex;
  open: boolean;
}
const bindings = new WeakMap<object, Binding>();

/**
 * A transaction on one connection of a knex pool, begun, committed and rolled back with plain
 * statements on that connection, and a knex for its query builders (`trx`) that sends every query
 * on it.
 *
 * knex's own transaction builds a new knex instance for each transaction (a transactor with
 * every method of knex defined on it, an event emitter, a client of its own). On the development
 * VM a transaction with one raw and one built statement cost 0.3–0.47 ms of CPU that way, and
 * 0.15–0.2 ms this way. A consumer runs one transaction per batch and an api one per request, so
 * here the knex bound to a connection is made once per connection of the pool and kept; each
 * transaction sees it through a view of its own (`trx`) that refuses a query once the
 * transaction has ended (a handler's stray promise), instead of running it on a connection that
 * is back in the pool, in someone else's transaction.
 *
 * BEGIN is sent with the first statement (db/pipelining-client.ts), so a transaction costs no
 * round trip of its own. A connection whose COMMIT or ROLLBACK failed is ended, not given back
 * (but for a COMMIT answered with ROLLBACK, which ends the transaction cleanly): the pool drops an
 * ended connection (knex marks it disposed) instead of handing out one still in a transaction.
 */
export class PooledTransaction {
  private completed = false;
  /** this transaction's view of the connection's bound knex: refuses new queries once it has ended */
  readonly trx: Knex.Transaction;

  private constructor(
    private readonly db: Knex,
    /** the transaction's connection: the hot statements go to it directly */
    readonly connection: RawConnection,
    private readonly binding: Binding,
  ) {
    this.trx = guarded(binding.knex, () => this.completed) as unknown as Knex.Transaction;
  }

  /** Takes a connection from `db`'s pool and begins a transaction on it. */
  static async begin(db: Knex): Promise<PooledTransaction> {
    const connection = (await (db.client as LooseClient).acquireConnection()) as RawConnection;
    const binding = bindingOf(db, connection);
    binding.open = true;
    const transaction = new PooledTransaction(db, connection, binding);
    try {
      await connection.query('begin');
    } catch (error) {
      await transaction.end(true);
      throw error;
    }
    return transaction;
  }

  isCompleted(): boolean {
    return this.completed;
  }

  /** Commits and gives the connection back; throws when the COMMIT failed (the transaction is then not committed). */
  async commit(): Promise<void> {
    if (this.completed) throw new Error('the transaction has already ended');
    try {
      await this.connection.query('commit');
    } catch (error) {
      // a COMMIT answered with ROLLBACK (25P02, db/pipelining-client.ts) ended the transaction on a sound connection
      await this.end((error as { code?: string }).code !== '25P02');
      throw error;
    }
    await this.end(false);
  }

  /** Rolls back and gives the connection back; a connection that cannot roll back is ended. Never throws. */
  async rollback(): Promise<void> {
    if (this.completed) return;
    const broken = await this.connection.query('rollback').then(
      () => false,
      () => true,
    );
    await this.end(broken);
  }

  private async end(broken: boolean): Promise<void> {
    this.completed = true;
    this.binding.open = false;
    if (broken) await this.connection.end().catch(() => undefined);
    await (this.db.client as LooseClient).releaseConnection(this.connection);
  }
}

/**
 * `knex` as one transaction sees it (`UnitOfWork.trx`), for the query builders of handlers and
 * repositories: a query built through it once the transaction has ended (a handler's stray
 * promise, after its batch committed) is refused, where it would otherwise run on the
 * connection back in the pool, in whatever transaction holds it then. It is no knex transaction:
 * its `commit`, `rollback` and `transaction` are not there to call (the unit of work's owner ends
 * the transaction).
 */
function guarded(knex: Knex, ended: () => boolean): Knex {
  const refuse = (): never => {
    throw new Error('a query was sent through a transaction that has ended (after its commit or rollback)');
  };
  // its client, as `connectionOf` reaches the connection through it, refuses once ended too
  const client = knex.client as LooseClient;
  const guardedClient = Object.create(client, {
    acquireConnection: { value: () => (ended() ? Promise.reject(new Error('a statement was sent through a transaction that has ended (after its commit or rollback)')) : client.acquireConnection()) },
  }) as LooseClient;
  return new Proxy(knex, {
    apply: (target, self, args: unknown[]) => (ended() ? refuse() : Reflect.apply(target, self, args)),
    get: (target, property, receiver) => {
      if (property === 'client') return guardedClient;
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (ended() ? refuse() : Reflect.apply(value, target, args));
    },
  });
}

/** The knex bound to `connection`, made on its first transaction. */
function bindingOf(db: Knex, connection: object): Binding {
  const known = bindings.get(connection);
  if (known) return known;
  const pool = db.client as LooseClient;
  const binding = { open: false } as Binding;
  const Pooled = pool.constructor as ClientClass;
  // the pool's own client class (its driver, its prepared statements), with one connection
  class Bound extends Pooled {
    constructor() {
      // the pool's settings without its connection settings: this client opens no pool of its own
      super({ ...(pool.config as Knex.Config), connection: undefined, client: Bound as never });
      // shared with the pool: what the pool's client prepares is kept by its config (db/database.ts)
      this.config = pool.config;
      // the server's version, read by the pool when it opened its first connection
      (this as { version?: string }).version = (pool as { version?: string }).version;
    }

    override acquireConnection(): Promise<unknown> {
      if (binding.open) return Promise.resolve(connection);
      return Promise.reject(new Error('a query was sent through a transaction that has ended (after its commit or rollback)'));
    }

    override releaseConnection(): Promise<void> {
      return Promise.resolve();
    }
  }
  binding.knex = knexFactory({ client: Bound as never });
  bindings.set(connection, binding);
  return binding;
}
