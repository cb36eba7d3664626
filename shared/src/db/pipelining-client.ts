import pg from 'pg';

type Callback = (error: Error | null, result?: unknown) => void;

/** What this class uses of pg's Client, typed loosely: its `query` has many overloads. */
interface LooseClient {
  query(config: unknown, values?: unknown, callback?: Callback): unknown;
  connection: { stream: { cork(): void; uncork(): void } };
}
const Client = pg.Client as unknown as new (config: pg.ClientConfig) => LooseClient;

const BEGIN = /^\s*begin\s*;?\s*$/i;
const END = /^\s*(commit|rollback)\s*;?\s*$/i;
const COMMIT = /^\s*commit\s*;?\s*$/i;

/**
 * When a connection first drops its cached plans (`DISCARD PLANS`), and the longest it then goes
 * without doing it again: the wait doubles from `firstMs` up to `maxMs`.
 */
export interface PlanRefresh {
  firstMs: number;
  maxMs: number;
}
export const defaultPlanRefresh: PlanRefresh = { firstMs: 5_000, maxMs: 60_000 };
/** What a connection sends to drop its cached plans. */
export const DISCARD_PLANS = 'DISCARD PLANS';

/**
 * The connection of every knex pool `createDb` opens: node-postgres in its pipeline mode (a
 * statement is written without waiting for the one before to be answered), and what it does with it.
 *
 * - **One write per tick.** The socket is corked when a statement is sent and uncorked on the
 *   next tick, so what one tick sends (a transaction's `BEGIN` and its first statement, say)
 *   leaves in one write and is answered in one read: one wake-up of the backend instead of two.
 * - **`BEGIN` goes with the first statement.** A plain `BEGIN` (knex's, or a raw connection's)
 *   is not sent on its own: it is answered at once and sent, in the same write, in front of the
 *   next statement, which fails with `BEGIN`'s error if `BEGIN` failed. A transaction's first
 *   round trip is thus its first statement's. Postgres takes a transaction's snapshot at its
 *   first statement anyway, so nothing a statement sees changes; `now()` is read a moment later.
 *   A `COMMIT` or `ROLLBACK` right after a `BEGIN` that was never sent has nothing to end, and
 *   is answered without a round trip.
 * - **A COMMIT that rolled back is an error.** So a transaction's last writes can be sent with
 *   its COMMIT, without waiting for their answers first (consumer/batch.ts): if one fails, the
 *   COMMIT fails too (see `rolledBack`).
 *
 * - **Cached plans follow the tables' growth.** Postgres plans a prepared statement five times
 *   for its parameters, then keeps one generic plan, made for the tables as they were then, until
 *   something invalidates it: an ANALYZE, which autovacuum runs as a table grows, or a schema
 *   change. A service's statements are prepared in its first seconds, when its tables hold few
 *   rows, and for a few rows a sequential scan is the cheaper plan: `where id = any($1)` on
 *   orders then read the whole table on every call, a cost that grew with the table for as long
 *   as no ANALYZE came (3.5 ms a call at 50,000 orders, with the plan made at 20; a 120 s bench
 *   lost 15 % of its throughput by its end). So every connection sends `DISCARD PLANS` in
 *   front of a statement now and then, after `planRefresh.firstMs`, then at doubling intervals up
 *   to `planRefresh.maxMs`: the next use of each statement plans it again, for the table's size
 *   now (the planner reads a table's pages, not only its statistics), while its parse and the
 *   prepared statement stay. It costs one plan per statement and connection per refresh.
 *
 * Statements are still answered in order, each with its own sync point, so an error is its own
 * statement's, and one inside a transaction aborts it as it always did. Cursors and `rows` (pg's
 * portal-keeping queries), which pipeline mode refuses, are not used on these pools.
 */
export class PipeliningClient extends Client {
  private beginDeferred = false;
  private corked = false;
  private readonly planRefresh: PlanRefresh;
  private refreshEveryMs: number;
  private refreshAt: number;

  constructor(config: pg.ClientConfig & { planRefresh?: PlanRefresh }) {
    const { planRefresh = defaultPlanRefresh, ...rest } = config;
    super({ ...rest, pipeline: true } as pg.ClientConfig);
    this.planRefresh = planRefresh;
    this.refreshEveryMs = planRefresh.firstMs;
    this.refreshAt = Date.now() + this.refreshEveryMs;
  }

  override query(config: unknown, values?: unknown, callback?: Callback): unknown {
    const text = typeof config === 'string' ? config : isSubmittable(config) ? undefined : (config as { text?: unknown } | undefined)?.text;
    const done = typeof values === 'function' ? (values as Callback) : callback;
    const parameters = typeof values === 'function' ? undefined : values;
    if (typeof text === 'string' && BEGIN.test(text) && !this.beginDeferred) {
      this.beginDeferred = true;
      return answered('BEGIN', done);
    }
    let beginFailed: Error | null = null;
    this.cork();
    this.refreshPlansWhenDue();
    if (this.beginDeferred) {
      this.beginDeferred = false;
      const end = typeof text === 'string' ? END.exec(text) : null;
      if (end) return answered(end[1]!.toUpperCase(), done);
      // answered before the statement behind it, so its outcome is known by then
      super.query('BEGIN', undefined, (error) => {
        beginFailed = error;
      });
    }
    const commit = typeof text === 'string' && COMMIT.test(text);
    const checked = (result: unknown): unknown => {
      if (beginFailed) throw beginFailed;
      if (commit && (result as { command?: string } | undefined)?.command === 'ROLLBACK') throw rolledBack();
      return result;
    };
    if (!done) return (super.query(config, parameters) as Promise<unknown>).then(checked);
    return super.query(config, parameters, (error, result) => {
      if (error) return done(beginFailed ?? error);
      let outcome: unknown;
      try {
        outcome = checked(result);
      } catch (failure) {
        return done(failure as Error);
      }
      done(null, outcome);
    });
  }

  /**
   * Sends `DISCARD PLANS` in front of the statement about to go when a refresh is due (see the
   * class). Postgres takes it inside a transaction too, without touching the transaction; in one
   * already aborted it fails, as the statement behind it will, and the next statement tries again.
   */
  private refreshPlansWhenDue(): void {
    const now = Date.now();
    if (now < this.refreshAt) return;
    this.refreshEveryMs = Math.min(this.refreshEveryMs * 2, this.planRefresh.maxMs);
    this.refreshAt = now + this.refreshEveryMs;
    super.query(DISCARD_PLANS, undefined, (error) => {
      if (error) this.refreshAt = 0;
    });
  }

  /** Holds this tick's writes in the socket's buffer: they leave as one when the tick ends. */
  private cork(): void {
    if (this.corked) return;
    const { stream } = this.connection;
    stream.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      stream.uncork();
    });
  }
}

function isSubmittable(config: unknown): boolean {
  return typeof (config as { submit?: unknown } | undefined)?.submit === 'function';
}

/**
 * Postgres answers a COMMIT of a transaction in which a statement failed with ROLLBACK, and no
 * error: a caller that did not see that statement's error (one sent with the COMMIT, in the same
 * write) would take the transaction for committed. It is an error here, as Postgres' own
 * `in_failed_sql_transaction`.
 */
function rolledBack(): Error {
  return Object.assign(new Error('COMMIT rolled the transaction back: one of its statements had failed'), { code: '25P02' });
}

/** The answer to a statement that needs no round trip, as a callback or a promise, like pg's. */
function answered(command: string, done: Callback | undefined): Promise<unknown> | undefined {
  const result = { command, rowCount: null, oid: null, rows: [], fields: [] };
  if (done) {
    process.nextTick(() => done(null, result));
    return undefined;
  }
  return Promise.resolve(result);
}

/** The pg module as knex's Postgres client uses it, with this client as its `Client`. */
export const pipeliningDriver: typeof pg = Object.create(pg, { Client: { value: PipeliningClient } });
