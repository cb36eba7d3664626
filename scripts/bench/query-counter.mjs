// Loaded into the services' api and worker processes by `make bench` only (NODE_OPTIONS=--import),
// never in production: counts Postgres round trips. pg_stat_database counts transactions but not
// statements, and pg_stat_statements needs shared_preload_libraries, which a bench cannot set on
// a server it shares. Every statement a service sends goes through pg's Client#query (knex and
// the relay's LISTEN client alike), one request and its reply each, so counting those calls
// counts round trips; the pools' connections write what one tick sends as one write
// (shared/src/db/pipelining-client.ts: a transaction's BEGIN leaves with its first statement), so
// the statements a connection is given in one tick count as one. On SIGUSR2 the process writes "<snapshot> <queries>" to
// $BENCH_QUERY_COUNT_DIR/<pid>, so the bench reads every process at the same moment.
// With BENCH_STATEMENTS=<dir>, it also writes <dir>/<service>-<api|worker>.statements: each
// statement sent (its first 110 characters) with how often, most frequent first, to see which
// statements an order costs where.
import { mkdirSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import pg from 'pg';

const dir = process.env.BENCH_QUERY_COUNT_DIR;
if (dir && isMainThread) {
  let queries = 0;
  let snapshot = 0;
  const statementsDir = process.env.BENCH_STATEMENTS;
  const texts = statementsDir ? new Map() : undefined;
  if (statementsDir) mkdirSync(statementsDir, { recursive: true });
  // …/<service>/dist/src/<api|worker>/main.js, or …/<service>/dist/src/main.js for both in one process
  const [, service = '?', role = 'api+worker'] = /([^/]+)\/dist\/src\/(?:(api|worker)\/)?main\.js$/.exec(process.argv[1] ?? '') ?? [];
  const query = pg.Client.prototype.query;
  const counting = new WeakSet();
  pg.Client.prototype.query = function countedQuery(...args) {
    if (!counting.has(this)) {
      queries += 1;
      counting.add(this);
      process.nextTick(() => counting.delete(this));
    }
    if (texts) {
      const [first] = args;
      const text = (typeof first === 'string' ? first : (first?.text ?? first?.name ?? '?')).replace(/\s+/g, ' ').slice(0, 110);
      texts.set(text, (texts.get(text) ?? 0) + 1);
    }
    return query.apply(this, args);
  };
  process.on('SIGUSR2', () => {
    writeFileSync(`${dir}/${process.pid}`, `${++snapshot} ${queries}`);
    if (texts) {
      const lines = [...texts].sort((a, b) => b[1] - a[1]).map(([text, count]) => `${count}\t${text}`);
      writeFileSync(`${statementsDir}/${service}-${role}.statements`, `${lines.join('\n')}\n`);
    }
  });
}
