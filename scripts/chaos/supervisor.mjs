// make chaos's supervisor: runs each service's migrator, then every api and worker (and the stub
// customer directory) as child processes, and starts again, after a short delay, any that dies:
// killed by the run, or exited on its own (none should: apis and workers wait for Postgres and NATS).
// It only ever signals the pids it spawned.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { serviceRoles, withRole } from '@order-platform/shared';
import { peers, services } from '../stack.mjs';
import { freePort } from './infra.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const exited = (child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

/**
 * @param {{ adminUrl: string, env: Record<string,string>, logFile: string, restartDelayMs?: number }} options
 */
export async function startSupervised({ adminUrl, env, logFile, restartDelayMs = 1000 }) {
  const spawnNode = (name, args, extraEnv) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [child.stdout, child.stderr]) createInterface({ input: s }).on('line', (line) => appendFileSync(logFile, `${name.padEnd(16)} ${line}\n`));
    return child;
  };
  const urlAs = (s, role) => {
    const roles = serviceRoles(s.database);
    return withRole(adminUrl, roles[role], { database: roles.database });
  };
  for (const s of services) {
    const code = await exited(spawnNode(`${s.name}-migrate`, ['migrator/dist/src/main.js', s.dir], { DATABASE_ADMIN_URL: adminUrl, DATABASE_URL: urlAs(s, 'owner'), DATABASE_APP_ROLE: '' }));
    if (code !== 0) throw new Error(`migrator for ${s.dir} failed (exit ${code}), see ${logFile}`);
  }

  const programs = [];
  const ports = new Map();
  for (const p of peers) {
    const port = await freePort();
    ports.set(p.name, port);
    programs.push({ name: p.name, kind: 'peer', args: [p.main], env: { PORT: String(port) } });
  }
  for (const s of services) {
    const port = await freePort();
    ports.set(s.name, port);
    const base = { DATABASE_URL: urlAs(s, 'app') };
    programs.push({ name: `${s.name}-api`, kind: 'api', args: [`${s.dir}/dist/src/api/main.js`], env: { ...base, PORT: String(port) } });
    programs.push({ name: `${s.name}-worker`, kind: 'worker', args: [`${s.dir}/dist/src/worker/main.js`], env: { ...base, METRICS_PORT: String(await freePort()) } });
  }
  const directoryUrl = `http://127.0.0.1:${ports.get('directory')}`;
  let stopping = false;
  const counts = { kills: 0, restarts: 0, exitsOnTheirOwn: 0 };
  const keep = (program) => {
    const child = spawnNode(program.name, program.args, { ...program.env, CUSTOMER_DIRECTORY_URL: directoryUrl });
    program.child = child;
    program.killed = false;
    child.once('exit', async () => {
      if (stopping) return;
      if (!program.killed) counts.exitsOnTheirOwn++;
      await sleep(restartDelayMs);
      if (stopping) return;
      counts.restarts++;
      keep(program);
    });
  };
  for (const program of programs) keep(program);

  const alive = (p) => p.child && p.child.exitCode === null && p.child.signalCode === null;
  return {
    counts,
    urls: Object.fromEntries([...services, ...peers].map((s) => [s.name, `http://127.0.0.1:${ports.get(s.name)}`])),
    /** SIGKILLs one running api or worker, chosen at random; returns its name */
    killRandom() {
      const candidates = programs.filter((p) => p.kind !== 'peer' && alive(p));
      const victim = candidates[Math.floor(Math.random() * candidates.length)];
      if (!victim) return undefined;
      victim.killed = true;
      victim.child.kill('SIGKILL');
      counts.kills++;
      return victim.name;
    },
    async stop() {
      stopping = true;
      for (const p of programs) if (alive(p)) p.child.kill('SIGTERM');
      const all = Promise.all(programs.map((p) => exited(p.child)));
      const late = await Promise.race([all.then(() => false), sleep(15_000).then(() => true)]);
      if (late) for (const p of programs) if (alive(p)) p.child.kill('SIGKILL');
      await all;
    },
  };
}

/** Waits until every api answers /readyz (bounded). */
export async function waitReady(urls, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (const url of Object.values(urls)) {
    while (!(await fetch(`${url}/readyz`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
      await sleep(200);
    }
  }
}
