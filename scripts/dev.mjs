#!/usr/bin/env node
// make dev: migrates every service, then runs each api and worker as a local process against
// the local Postgres and NATS, with one readable, prefixed line per log record.
// Ctrl-C sends SIGTERM to every process and waits for them to stop.
import { services, startStack } from './stack.mjs';

const write = (line) => process.stdout.write(`${line}\n`);
let stack;
try {
  stack = await startStack();
} catch (error) {
  write(error.message);
  process.exit(1);
}
write(`running: ${services.map((s) => `${s.dir} http://127.0.0.1:${s.port}`).join(', ')}  (Ctrl-C stops all)`);

const stop = (code) => stack.stop().then(() => process.exit(code));
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
const failed = await stack.failed;
write(`${failed.name} exited (code ${failed.code}, signal ${failed.signal}); stopping everything`);
await stop(1);
