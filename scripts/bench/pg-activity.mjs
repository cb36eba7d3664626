// make bench: what the run's Postgres backends spent their time on, service by service, read
// from pg_stat_activity every BENCH_ACTIVITY_SAMPLE_MS (50 ms) on a connection of its own.
//
// The CPU table says how much Postgres worked per order; this says how long its transactions
// stayed open and why: running a statement, waiting for another transaction's lock, flushing
// the WAL at a commit, or waiting for the service to send the next statement (an open
// transaction whose service is busy, descheduled, or calling out, e.g. a payment charge). Each
// sample stands for the time since the one before it, so a state's total is an estimate of the
// backend time spent in it: one 1-ms wait is caught by about one sample in 50, and the
// thousands of a run add up to a figure that holds.
import pg from 'pg';

/** What a backend is spending its time on, from its pg_stat_activity row; null outside a transaction. */
export function activityKind({ state, wait_event_type: type, wait_event: event }) {
  if (state !== 'active' && !String(state).startsWith('idle in transaction')) return null;
  if (type === 'Lock') return 'lock wait';
  if (/^WAL/.test(event ?? '')) return 'WAL flush';
  if (state !== 'active' || type === 'Client') return 'waiting for its service';
  if (!type) return 'running';
  return 'other wait';
}

export const ACTIVITY_KINDS = ['running', 'lock wait', 'WAL flush', 'other wait', 'waiting for its service'];

const statement = {
  name: 'bench-activity',
  // counted by the server, idle connections (most of the pools) left out: a few rows to read
  text: `select datname, state, wait_event_type, wait_event, count(*)::int as n from pg_stat_activity
    where backend_type = 'client backend' and datname = any($1::text[]) and state <> 'idle' and pid <> pg_backend_pid()
    group by 1, 2, 3, 4`,
};

/**
 * Samples the backends of `databases` (database name → what to call it) until `stop()`, which
 * answers, per name, the backend milliseconds spent in each of ACTIVITY_KINDS, the samples taken,
 * and the error that ended the sampling early, if one did.
 */
export function sampleActivity({ url, databases, everyMs = 50, clock = () => performance.now() }) {
  const client = new pg.Client({ connectionString: url, application_name: 'bench activity sampler' });
  const names = Object.keys(databases);
  const ms = Object.fromEntries(Object.values(databases).map((name) => [name, Object.fromEntries(ACTIVITY_KINDS.map((k) => [k, 0]))]));
  let samples = 0;
  let stopping = false;
  let wake;
  let failure;
  const loop = (async () => {
    try {
      await client.connect();
      let last = clock();
      while (!stopping) {
        const { rows } = await client.query({ ...statement, values: [names] });
        const now = clock();
        const span = now - last;
        last = now;
        samples++;
        for (const row of rows) {
          const kind = activityKind(row);
          if (kind) ms[databases[row.datname]][kind] += span * row.n;
        }
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, everyMs);
        });
      }
    } catch (error) {
      // the run goes on without it, and says so
      failure = error;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      return { everyMs, samples, ms, failure };
    },
  };
}
