#!/usr/bin/env node
// make dev: migrates every service, then runs each api and worker as a local process against
// the local Postgres and NATS, with one readable, prefixed line per log record.
// Ctrl-C sends SIGTERM to every process and waits for them to stop.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const services = [
  { name: 'stock', dir: 'stock-service', port: 3002 },
  { name: 'order', dir: 'order-service', port: 3001 },
];
const colours = [36, 35, 33, 32, 34, 31];
const levelNames = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const write = (line) => process.stdout.write(`${line}\n`);

function pretty(prefix, colour, line) {
  let text = line;
  try {
    const { time, level, msg, service: _s, process: _p, ...fields } = JSON.parse(line);
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
      .join(' ');
    text = `${String(time ?? '').slice(11, 23)} ${String(levelNames[level] ?? level).padEnd(5)} ${msg ?? ''} ${extra}`;
  } catch {
    // not a JSON log line: print as is
  }
  write(`\x1b[${colour}m${prefix.padEnd(14)}\x1b[0m ${text}`);
}

function run(prefix, colour, args, env) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => pretty(prefix, colour, line));
  return child;
}

function exited(child) {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

for (const [i, s] of services.entries()) {
  const { code } = await exited(run(`${s.name}-migrate`, colours[i], ['migrator/dist/src/main.js', s.dir], {}));
  if (code !== 0) {
    write(`migrator for ${s.dir} failed (exit ${code}); is Postgres at 127.0.0.1:5432 and NATS at 127.0.0.1:4222 up?`);
    process.exit(1);
  }
}

const children = [];
for (const [i, s] of services.entries()) {
  for (const role of ['api', 'worker']) {
    const env = role === 'api' ? { PORT: String(process.env[`${s.name.toUpperCase()}_PORT`] ?? s.port) } : {};
    const child = run(`${s.name}-${role}`, colours[i], [`${s.dir}/dist/src/${role}/main.js`], env);
    children.push({ name: `${s.name}-${role}`, child });
  }
}
write(`running: ${services.map((s) => `${s.dir} http://127.0.0.1:${s.port}`).join(', ')}  (Ctrl-C stops all)`);

let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map(({ child }) => (child.exitCode === null ? exited(child) : null)));
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
for (const { name, child } of children) {
  void exited(child).then(({ code, signal }) => {
    if (stopping) return;
    write(`${name} exited (code ${code}, signal ${signal}); stopping everything`);
    void stopAll(1);
  });
}
