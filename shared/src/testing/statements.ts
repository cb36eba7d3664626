import pg from 'pg';
import { DISCARD_PLANS } from '../db/pipelining-client.js';

/** A transaction as `recordStatements` saw it: `batch` once it records processed messages (a consumer batch's). */
export interface RecordedTransaction {
  batch: boolean;
}

export interface RecordedStatement {
  /** the statement, whitespace collapsed */
  text: string;
  /** the sending connection's application_name (which pool: `<service>-worker`, `…-worker-gateway`) */
  application: string | undefined;
  /** its parameters, when it was sent with any */
  values?: unknown[] | undefined;
  /** the transaction it was sent in, from BEGIN to COMMIT or ROLLBACK; none outside one */
  transaction: RecordedTransaction | undefined;
  /**
   * How many statements of its connection were sent and not yet answered when it was sent. On
   * the pools' pipelining connections (db/pipelining-client.ts) a statement behind others went
   * without waiting for their answers: it cost no round trip of its own (`roundTrips`).
   */
  behind: number;
}

/**
 * A consumer batch's own statements, shared by every message of the batch: BEGIN, the
 * processed-messages insert (which takes the batch's locks), savepoints, the outbox insert, the
 * relay's waiting marks that ride its COMMIT (`MarkWriter.take`), COMMIT. The rest of a batch's
 * statements are its handlers'.
 */
export const BATCH_STATEMENT = /^(begin|commit|rollback|release savepoint|savepoint|with fresh as \( insert into processed_messages|insert into outbox|update outbox set published_at)/i;

/** A `CommitNotifier`'s statement: a NOTIFY sent after a commit, in a transaction of its own, off the path of the request or batch that asked for it. */
export const COMMIT_NOTIFICATION = /^select pg_notify\(\$1, payload\) from unnest/;

/**
 * Records every statement this process sends from now on, where every statement passes (pg's
 * `Client#query`), until `restore`: what the cost tests count round trips with (issue 10). A
 * BEGIN is recorded when it is sent, with the transaction's first statement (db/pipelining-client.ts).
 * A connection's `DISCARD PLANS` is not: it goes now and then, in the same write as the statement
 * behind it, and belongs to no path a test measures (`PipeliningClient`, cached plans).
 */
export function recordStatements(): { sent: RecordedStatement[]; restore(): void } {
  const sent: RecordedStatement[] = [];
  const open = new WeakMap<object, RecordedTransaction>();
  const unanswered = new WeakMap<object, number>();
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first] = args as [string | { text: string; values?: unknown[] }];
    const text = (typeof first === 'string' ? first : first.text).replace(/\s+/g, ' ').trim();
    if (text === DISCARD_PLANS) return (query as (...a: unknown[]) => unknown).apply(this, args);
    const application = (this as unknown as { connectionParameters?: { application_name?: string } }).connectionParameters?.application_name;
    if (/^begin/i.test(text)) open.set(this, { batch: false });
    const transaction = open.get(this);
    if (transaction && text.includes('insert into processed_messages')) transaction.batch = true;
    const behind = unanswered.get(this) ?? 0;
    sent.push({ text, application, transaction, behind, values: typeof first === 'string' ? undefined : first.values });
    if (/^(commit|rollback);?$/i.test(text)) open.delete(this);
    unanswered.set(this, behind + 1);
    const answered = (): void => void unanswered.set(this, (unanswered.get(this) ?? 1) - 1);
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = function (this: unknown, ...results: unknown[]) {
        answered();
        return (callback as (...a: unknown[]) => unknown).apply(this, results);
      };
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    }
    const result = (query as (...a: unknown[]) => unknown).apply(this, args);
    // a promise is answered when it settles; anything else (a submittable) is taken as answered at once
    if (result instanceof Promise) result.then(answered, answered);
    else answered();
    return result;
  } as typeof query;
  return { sent, restore: () => void (pg.Client.prototype.query = query) };
}

/** The round trips the statements cost: those sent while nothing of their connection was unanswered. */
export function roundTrips(statements: readonly RecordedStatement[]): number {
  return statements.filter((s) => s.behind === 0).length;
}

/** The statements one per line, a batch's own marked, for an assertion's message. */
export function listStatements(statements: readonly RecordedStatement[]): string {
  return statements.map((s) => `${s.behind > 0 ? '  + ' : ''}${BATCH_STATEMENT.test(s.text) ? '(batch) ' : ''}${s.text.slice(0, 100)}`).join('\n');
}
