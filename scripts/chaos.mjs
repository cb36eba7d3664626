#!/usr/bin/env node
// make chaos: the system under faults, then the invariants of docs/architecture.md checked. Starts its own nats-server and
// Postgres cluster (scripts/chaos/infra.mjs), runs every api and worker under a supervisor that
// restarts whatever dies (scripts/chaos/supervisor.mjs), drives a mixed load
// (scripts/chaos/load.mjs) and meanwhile SIGKILLs random apis and workers, kill -9's and restarts
// NATS, restarts Postgres `-m immediate` and pauses NATS (SIGSTOP) for longer than the relay's
// publish timeout. Then it waits for quiet (bounded), checks every invariant
// (scripts/chaos/checks.mjs), prints a table and exits 1 on any violation.
// Settings: CHAOS_ORDERS (5000), CHAOS_RATE (orders/s, 20), CHAOS_KILLS (one per 8 s of load),
// CHAOS_NATS_RESTARTS (3), CHAOS_PG_RESTARTS (2), CHAOS_NATS_PAUSES (1), CHAOS_PAUSE_MS (7000),
// CHAOS_QUIET_TIMEOUT_S (300), CHAOS_LOG (.chaos.log), CHAOS_KEEP (1: keep the Postgres cluster).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { issueToken } from '@order-platform/shared';
import { deadLettersByCause, findViolations } from './chaos/checks.mjs';
import { diagnoseMails } from './chaos/diagnose.mjs';
import { startNats, startPostgres } from './chaos/infra.mjs';
import { createProducts, driveLoad } from './chaos/load.mjs';
import { waitQuiet, watchAdvisories } from './chaos/quiet.mjs';
import { startSupervised, waitReady } from './chaos/supervisor.mjs';
import { startMailSink } from './mail-sink.mjs';

const env = process.env;
const orders = Number(env.CHAOS_ORDERS ?? 5000);
const rate = Number(env.CHAOS_RATE ?? 20);
const plannedSeconds = orders / rate;
const settings = {
  orders, rate,
  kills: Number(env.CHAOS_KILLS ?? Math.max(2, Math.round(plannedSeconds / 8))),
  natsRestarts: Number(env.CHAOS_NATS_RESTARTS ?? 3),
  pgRestarts: Number(env.CHAOS_PG_RESTARTS ?? 2),
  natsPauses: Number(env.CHAOS_NATS_PAUSES ?? 1),
  pauseMs: Number(env.CHAOS_PAUSE_MS ?? 7000), // the relay's publish timeout is 5 s
  quietTimeoutMs: Number(env.CHAOS_QUIET_TIMEOUT_S ?? 300) * 1000,
};
const logFile = env.CHAOS_LOG ?? '.chaos.log';
const run = randomBytes(3).toString('hex');
const out = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const note = (line) => appendFileSync(logFile, `${'chaos'.padEnd(16)} ${new Date().toISOString().slice(11, 23)} ${line}\n`);
const jwtSecret = env.JWT_SECRET ?? env.DEV_JWT_SECRET ?? 'dev-only-jwt-secret-not-for-production';

writeFileSync(logFile, '');
const dir = mkdtempSync(join(tmpdir(), `chaos-${run}-`));
let nats, postgres, system, sink, nc;
let cleaning;
const cleanUp = () => (cleaning ??= (async () => {
  await system?.stop().catch(() => {});
  await nc?.close().catch(() => {});
  await sink?.close().catch(() => {});
  await nats?.stop().catch(() => {});
  // CHAOS_KEEP=1: the cluster stays for a post-mortem (pg_dropcluster 15 <name> when done)
  if (env.CHAOS_KEEP) out(`kept Postgres cluster ${postgres?.name} on port ${postgres?.port}`);
  else await postgres?.drop();
  rmSync(dir, { recursive: true, force: true });
})());
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void cleanUp().then(() => process.exit(130)));

let code = 1;
try {
  out(`chaos run ${run}: ${orders} orders at ${rate}/s, ${settings.kills} kills, NATS restarted ${settings.natsRestarts}× and paused ${settings.natsPauses}× (${settings.pauseMs} ms), Postgres restarted ${settings.pgRestarts}× (logs in ${logFile})`);
  nats = await startNats({ dir, logFile });
  postgres = await startPostgres();
  const mails = [];
  sink = await startMailSink({ port: 0, onMail: (mail) => mails.push(mail) });
  system = await startSupervised({
    adminUrl: `${postgres.baseUrl}/postgres`,
    logFile,
    env: { NATS_URL: nats.url, JWT_SECRET: jwtSecret, LOG_LEVEL: env.LOG_LEVEL ?? 'warn', SMTP_URL: `smtp://127.0.0.1:${sink.port}`, STAFF_EMAIL: 'staff@shop.example' },
  });
  await waitReady(system.urls);
  nc = await connect({ servers: nats.url, maxReconnectAttempts: -1 });
  const db = (name) => async (sql, params) => {
    const client = new pg.Client({ connectionString: `${postgres.baseUrl}/${name}` });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  const q = { order: db('order_service'), stock: db('stock_service'), payment: db('payment_service'), notify: db('notification_service') };

  const advisories = watchAdvisories(nc);
  const token = await issueToken(jwtSecret, { sub: `chaos-staff-${run}`, roles: ['admin'] });
  const initial = await createProducts(system.urls, token);
  for (let i = 0; i < 100 && (await q.order('select count(*)::int as n from catalog'))[0].n < Object.keys(initial).length; i++) await sleep(200);

  const faults = { natsRestarts: 0, natsPauses: 0, pgRestarts: 0 };
  const schedule = [
    ...spread(settings.natsRestarts, 0.15, 0.75).map((at) => ({ at, what: 'nats-restart' })),
    ...spread(settings.pgRestarts, 0.25, 0.65).map((at) => ({ at, what: 'pg-restart' })),
    ...spread(settings.natsPauses, 0.85, 0.85).map((at) => ({ at, what: 'nats-pause' })),
    ...Array.from({ length: settings.kills }, () => ({ at: 0.05 + Math.random() * 0.9, what: 'kill' })),
  ].sort((a, b) => a.at - b.at);
  const t0 = Date.now();
  let loading = true;
  const chaos = (async () => {
    for (const event of schedule) {
      const due = t0 + event.at * plannedSeconds * 1000;
      while (loading && Date.now() < due) await sleep(Math.min(250, due - Date.now()));
      note(`fault: ${event.what}`);
      if (event.what === 'kill') note(`killed ${system.killRandom()}`);
      else if (event.what === 'nats-restart') {
        await nats.kill9();
        await sleep(1500);
        await nats.start();
        faults.natsRestarts++;
      } else if (event.what === 'pg-restart') {
        await postgres.restartImmediate();
        faults.pgRestarts++;
      } else {
        nats.pause();
        await sleep(settings.pauseMs);
        nats.resume();
        faults.natsPauses++;
      }
    }
  })();
  const load = await driveLoad({ urls: system.urls, token, run, count: orders, rate, onProgress: (i) => note(`placed ${i}`) });
  loading = false;
  await chaos;
  const loadEnded = Date.now();
  out(`load done in ${load.seconds.toFixed(0)} s: ${load.accepted.size} accepted; waiting for quiet (at most ${settings.quietTimeoutMs / 1000} s) …`);
  const quiet = await waitQuiet({ q, nc, timeoutMs: settings.quietTimeoutMs, mailCount: async () => mails.length });
  const quietSeconds = (Date.now() - loadEnded) / 1000;

  const { violations, repeats } = await findViolations({ q, initial, restocks: load.restocks, restocksUnknown: load.restocksUnknown, accepted: load.accepted, mails });
  if (!quiet.ok) violations.set('no quiet', { count: 1, examples: [quiet.detail] });
  if (advisories.count) violations.set('max deliveries reached (a message the server gave up on)', { count: advisories.count, examples: advisories.examples });
  const mailed = [...violations].filter(([kind]) => kind.includes('mails')).flatMap(([, v]) => v.orderIds);
  const notes = await diagnoseMails({ q, nc, orderIds: mailed });
  for (const [, v] of violations) v.examples = v.examples.map((e) => `${e} ${notes.get(e.split(' ')[0]) ?? ''}`.trim());
  const jsm = await jetstreamManager(nc);
  const deadLetters = await deadLettersByCause(jsm);
  const statuses = await q.order(`select status || coalesce(' ' || cancellation_reason, '') as s, count(*)::int as n from orders group by 1 order by 2 desc`);

  const rows = [
    ['orders', `${load.accepted.size} accepted of ${orders} (${load.unanswered} never answered, refused: ${JSON.stringify(load.refused)}), ${load.cancels} cancels asked`],
    ['outcomes', statuses.map((r) => `${r.s} ${r.n}`).join(', ')],
    ['restocks', `${load.restocks.length} (+${load.restocksUnknown.length} unanswered)`],
    ['mails received', `${mails.length} (${repeats} repeats of a Message-ID: sends interrupted by a kill, made again)`],
    ['kills (SIGKILL)', `${system.counts.kills} (restarts ${system.counts.restarts}, exits on their own ${system.counts.exitsOnTheirOwn})`],
    ['NATS', `kill -9 + restart ${faults.natsRestarts}, SIGSTOP ${settings.pauseMs} ms ${faults.natsPauses}`],
    ['Postgres restarts', `${faults.pgRestarts} (-m immediate)`],
    ['load time', `${load.seconds.toFixed(0)} s`],
    ['time to quiet', `${quietSeconds.toFixed(0)} s${quiet.ok ? '' : ' (not quiet: gave up)'}`],
    ['max-deliveries advisories', `${advisories.count}${advisories.count ? ` (${advisories.examples.join(', ')})` : ''}`],
    ['dead letters', Object.keys(deadLetters).length ? '' : '0'],
    ...Object.entries(deadLetters).map(([cause, n]) => [`  ${n}×`, cause]),
    ['violations', violations.size ? '' : '0'],
    ...[...violations].map(([kind, v]) => [`  ${v.count}×`, `${kind}, e.g. ${v.examples.join('; ')}`]),
  ];
  out();
  for (const [k, v] of rows) out(`${k.padEnd(26)} ${v}`);
  code = violations.size === 0 ? 0 : 1;
} catch (error) {
  out(`chaos failed: ${error.stack ?? error.message} (see ${logFile})`);
  code = 1;
} finally {
  await cleanUp();
}
process.exit(code);

/** n moments evenly from `from` to `to` (fractions of the load's planned time). */
function spread(n, from, to) {
  return Array.from({ length: n }, (_, i) => (n === 1 ? from : from + ((to - from) * i) / (n - 1)));
}
