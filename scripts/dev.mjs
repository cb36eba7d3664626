#!/usr/bin/env node
// make dev: migrates every service, then runs each api and worker as a local process against
// the local Postgres and NATS, with one readable, prefixed line per log record.
// Ctrl-C (or SIGTERM) stops every process with one signal each and waits for them to drain.
import { startMailSink } from './mail-sink.mjs';
import { peers, services, startStack } from './stack.mjs';

const write = (line) => process.stdout.write(`${line}\n`);
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
  stack = await startStack({ env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` } });
} catch (error) {
  write(error.message);
  process.exit(1);
}
if (process.env.JWT_SECRET === process.env.DEV_JWT_SECRET) {
  write(`JWT_SECRET is the development default "${process.env.JWT_SECRET}": set your own anywhere that matters`);
}
write(`tokens for curl: make -s token SUB=cust-ada ROLE=customer   make -s token SUB=staff ROLE=admin`);
write(`running: ${services.map((s) => `${s.dir} http://127.0.0.1:${s.port} (worker /metrics :${s.metricsPort})`).join(', ')}`);
write(`  customer directory stub http://127.0.0.1:${peers[0].port}, mail ${sink ? `printed here (SMTP :${sink.port})` : `to :${smtpPort}`}  (Ctrl-C stops all)`);

const stop = (code, interrupted = false) => stack.stop({ interrupted }).then(() => sink?.close()).then(() => process.exit(code));
process.on('SIGINT', () => void stop(0, true));
process.on('SIGTERM', () => void stop(0));
const failed = await stack.failed;
write(`${failed.name} exited (code ${failed.code}, signal ${failed.signal}); stopping everything`);
await stop(1);
