#!/usr/bin/env node
// make dev: makes sure Postgres and NATS answer (starting its own in Docker when they do not,
// see dev-infra.mjs), migrates every service, then runs each api and worker as a local process,
// with one readable, prefixed line per log record, and says where everything is.
// Ctrl-C (or SIGTERM) stops every process with one signal each and waits for them to drain.
import { ensureInfra } from './dev-infra.mjs';
import { startDocsOverview } from './docs-overview.mjs';
import { startMailSink } from './mail-sink.mjs';
import { defaultAdminUrl, peers, services, startStack, waitReady } from './stack.mjs';

const write = (line) => process.stdout.write(`${line}\n`);

let infra;
try {
  infra = await ensureInfra({ adminUrl: process.env.DATABASE_ADMIN_URL || defaultAdminUrl, natsUrl: process.env.NATS_URL || 'nats://127.0.0.1:4222', write });
} catch (error) {
  write(error.message);
  process.exit(69); // EX_UNAVAILABLE, as every process of the platform exits without its Postgres or NATS
}

// notification-service mails to smtp://127.0.0.1:1025: Mailpit's port when the compose infra
// profile runs, else this sink, which prints each mail.
const smtpPort = Number(process.env.MAIL_SINK_PORT ?? 1025);
const sink = await startMailSink({
  port: smtpPort,
  onMail: (mail) => write(`\x1b[32m${'mail'.padEnd(16)}\x1b[0m to ${mail.to.join(', ')}: ${mail.subject}`),
}).catch((error) => {
  if (error.code !== 'EADDRINUSE') throw error;
  write(`port ${smtpPort} is taken (Mailpit?): notification mails go there`);
  return undefined;
});
let stack;
try {
  stack = await startStack({ adminUrl: infra.adminUrl, env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, NATS_URL: infra.natsUrl }, console: true });
} catch (error) {
  write(error.message);
  await sink?.close();
  process.exit(1);
}
let overview;
const stop = (code, interrupted = false) =>
  stack.stop({ interrupted }).then(() => Promise.all([sink?.close(), overview?.close()])).then(() => process.exit(code));
process.on('SIGINT', () => void stop(0, true));
process.on('SIGTERM', () => void stop(0));

const apis = [...services].sort((a, b) => a.port - b.port).map((s) => ({ name: s.dir, url: stack.urls[s.name], metrics: `http://127.0.0.1:${s.metricsPort}/metrics` }));
const docsPort = Number(process.env.DEV_DOCS_PORT ?? 3000);
overview = await startDocsOverview({ port: docsPort, apis }).catch((error) => void write(`docs overview not started on :${docsPort}: ${error.message}`));
// a process that exits while the others start up stops everything (below), ready or not
const ready = await Promise.race([waitReady(Object.fromEntries(apis.map((a) => [a.name, a.url])), 60_000).then(() => true, (error) => void write(error.message)), stack.failed.then(() => false)]);
if (process.env.JWT_SECRET && process.env.JWT_SECRET === process.env.DEV_JWT_SECRET) {
  write(`JWT_SECRET is the development default "${process.env.JWT_SECRET}": set your own anywhere that matters`);
}
if (ready) write(readyBlock());

const failed = await stack.failed;
write(`${failed.name} exited (code ${failed.code}, signal ${failed.signal}); stopping everything`);
await stop(1);

function readyBlock() {
  const pad = (text) => text.padEnd(22);
  const own = (name) => (infra.own.some((c) => c.includes(name)) ? '   (its own container; make dev-down removes it)' : '');
  return [
    '',
    '\x1b[1mready\x1b[0m ──────────────────────────────────────────────────────────────────',
    ...apis.map((a) => `  ${pad(a.name)} ${a.url.padEnd(24)} docs ${a.url}/docs`),
    `  ${pad('all five APIs')} ${overview ? overview.url : '(not started)'}   (their documents side by side)`,
    `  ${pad('operator console')} ${stack.urls.console}   (staff: sign in with make -s token SUB=staff-1 ROLE=admin)`,
    `  ${pad('customer directory')} ${stack.urls[peers[0].name]} (stub)`,
    `  ${pad('mail')} ${sink ? `printed here as it is sent (SMTP 127.0.0.1:${sink.port})` : `to whatever holds :${smtpPort} (Mailpit: http://127.0.0.1:8025)`}`,
    `  ${pad('metrics')} each api's <url>/metrics; workers: ${apis.map((a) => a.metrics).join(' ')}`,
    `  ${pad('Postgres')} ${infra.adminUrl}${own('postgres')}`,
    `  ${pad('NATS')} ${infra.natsUrl}${own('nats')}`,
    `  ${pad('a token')} make -s token SUB=cust-ada ROLE=customer   (ROLE=admin for staff; paste it in /docs → Authorize)`,
    '  Ctrl-C stops every process',
    '',
  ].join('\n');
}
