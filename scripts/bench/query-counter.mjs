// Loaded into the services' api and worker processes by `make bench` only (NODE_OPTIONS=--import),
// never in production: counts Postgres round trips. pg_stat_database counts transactions but not
// statements, and pg_stat_statements needs shared_preload_libraries, which a bench cannot set on
// a server it shares. Every statement a service sends goes through pg's Client#query (knex and
// the relay's LISTEN client alike), one request and its reply each, so counting those calls
// counts round trips. On SIGUSR2 the process writes "<snapshot> <queries>" to
// $BENCH_QUERY_COUNT_DIR/<pid>, so the bench reads every process at the same moment.
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import pg from 'pg';

const dir = process.env.BENCH_QUERY_COUNT_DIR;
if (dir && isMainThread) {
  let queries = 0;
  let snapshot = 0;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(...args) {
    queries += 1;
    return query.apply(this, args);
  };
  process.on('SIGUSR2', () => writeFileSync(`${dir}/${process.pid}`, `${++snapshot} ${queries}`));
}
