// make chaos's own infrastructure: a nats-server (JetStream, its store under the run's temp dir)
// and a Postgres 15 cluster (pg_createcluster), both on free ports, both for this run only, so
// that killing and restarting them disturbs no one else. `drop()` removes both; it runs on a
// normal end, on a failure and on Ctrl-C.
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../free-port.mjs';

export { freePort };

const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function reachable(port) {
  return new Promise((resolve) => {
    const socket = tcpConnect({ port, host: '127.0.0.1' }, () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function waitUntil(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not up after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** A nats-server child of this process; `kill9()` then `start()` restarts it on the same port and store. */
export async function startNats({ dir, logFile }) {
  const port = await freePort();
  const store = join(dir, 'nats');
  mkdirSync(store, { recursive: true });
  let child;
  const nats = {
    port,
    url: `nats://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    async start() {
      child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: ['ignore', 'pipe', 'pipe'] });
      for (const s of [child.stdout, child.stderr]) s.on('data', (d) => appendFileSync(logFile, d.toString().replace(/^/gm, 'nats-server      ')));
      await waitUntil('nats-server', () => reachable(port));
      await sleep(300); // JetStream recovers its streams just after the port opens
    },
    async kill9() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      await this.kill9();
    },
  };
  await nats.start();
  return nats;
}

/** A Postgres 15 cluster of the run, `chaos-<pid>`, trusting local logins. */
export async function startPostgres() {
  const port = await freePort();
  const name = `chaos-${process.pid}`;
  const ctl = (action, ...args) => run('pg_ctlcluster', ['--skip-systemctl-redirect', '15', name, action, ...args]);
  await run('pg_createcluster', ['15', name, '-p', String(port), '--', '--auth=trust']);
  // many processes, each with two pools, some restarted while their old backends linger
  appendFileSync(`/etc/postgresql/15/${name}/postgresql.conf`, "\nmax_connections = 500\nlisten_addresses = '127.0.0.1'\n");
  await ctl('start');
  return {
    port,
    name,
    baseUrl: `postgres://postgres@127.0.0.1:${port}`,
    /** down until `start()`: `-m immediate`, as a crash */
    stop: () => ctl('stop', '-m', 'immediate'),
    start: () => ctl('start'),
    /** `-m immediate`: no checkpoint, every backend gone at once; the start recovers from the WAL */
    async restartImmediate() {
      await ctl('restart', '-m', 'immediate');
    },
    async drop() {
      await ctl('stop', '-m', 'immediate').catch(() => {});
      await run('pg_dropcluster', ['15', name]).catch(() => {});
    },
  };
}
