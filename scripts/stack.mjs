// Runs the whole system as local processes: each service's migrator first, then its api and
// worker. Used by `make dev` (default databases, ports and no namespace) and `make demo`
// (its own databases, ports and NATS namespace, so it never disturbs a running dev stack).
// Each migrator bootstraps its database and roles as the admin (a superuser) and migrates as
// the owner; api and worker log in as the app role.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serviceRoles, withRole } from '@order-platform/shared';

// metricsPort: the worker's /metrics; distinct per worker here, since they share one host
export const services = [
  { name: 'stock', dir: 'stock-service', database: 'stock_service', port: 3002, metricsPort: 9465 },
  { name: 'order', dir: 'order-service', database: 'order_service', port: 3001, metricsPort: 9464 },
  { name: 'payment', dir: 'payment-service', database: 'payment_service', port: 3003, metricsPort: 9466 },
  { name: 'notify', dir: 'notification-service', database: 'notification_service', port: 3004, metricsPort: 9467 },
  { name: 'analytics', dir: 'analytics-service', database: 'analytics_service', port: 3006, metricsPort: 9468 },
];
export const defaultAdminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
/** Stand-ins for systems outside the platform, run as processes too (no migrator, no worker). */
export const peers = [{ name: 'directory', main: 'notification-service/dist/src/customer-directory/main.js', port: 3005 }];
/** The operator console (`startStack({ console: true })`): reads every api over HTTP with the staff's token, no database, no NATS. */
export const consoleApp = { name: 'console', main: 'console/dist/src/main.js', port: 3007 };
const colours = [36, 35, 33, 32, 34, 31];
// each process's script path is relative to the repository: run them there, wherever the caller is (a test's workspace)
const root = fileURLToPath(new URL('..', import.meta.url));
const levelNames = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

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
  return `\x1b[${colour}m${prefix.padEnd(16)}\x1b[0m ${text}`;
}

function exited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * adminUrl: a superuser on the server's maintenance database (default DATABASE_ADMIN_URL, else
 * the local `postgres`); database: each service's database name (default `<service>_service`).
 * nodeArgs: node options put before each process's script (e.g. `--cpu-prof`).
 * console: also run the operator console (consoleApp), pointed at these apis; consoleEnv: more of
 * its settings, over those (a test points ANALYTICS_URL at a stand-in).
 * processes (default $PROCESSES, else split): `split` runs each service's api and worker as two
 * processes (`<service>-api`, `<service>-worker`), `combined` as one (`<service>-api+worker`,
 * <service>/dist/src/main.js; README, "One process per service").
 * @param {{ env?: Record<string,string>, nodeArgs?: string[], adminUrl?: string, database?: (dir: string) => string, port?: (s) => number, metricsPort?: (s) => number, output?: (line: string) => void, console?: boolean, consoleEnv?: Record<string,string>, processes?: 'split' | 'combined' }} options
 */
export async function startStack(options = {}) {
  const output = options.output ?? ((line) => process.stdout.write(`${line}\n`));
  const stoppingOnItsOwn = new Set(); // children that logged "stopping" (had a signal already)
  const run = (prefix, colour, args, env) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], { cwd: root, env: { ...process.env, ...options.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (line.includes('"msg":"stopping"')) stoppingOnItsOwn.add(child);
        output(pretty(prefix, colour, line));
      });
    }
    return child;
  };
  const adminUrl = options.adminUrl ?? process.env.DATABASE_ADMIN_URL ?? defaultAdminUrl;
  const urlAs = (s, role) => {
    const roles = serviceRoles(options.database?.(s.dir) ?? s.database);
    return withRole(adminUrl, roles[role], { database: roles.database });
  };
  const migratorEnv = (s) => ({ DATABASE_ADMIN_URL: adminUrl, DATABASE_URL: urlAs(s, 'owner'), DATABASE_APP_ROLE: '' });
  const envOf = (s) => ({ DATABASE_URL: urlAs(s, 'app') });
  // the migrators side by side, as compose runs them: each has its own database and roles, and
  // a stream two of them declare has one configuration, which JetStream takes twice as once
  const migrated = await Promise.all(services.map((s, i) => exited(run(`${s.name}-migrate`, colours[i], ['migrator/dist/src/main.js', s.dir], migratorEnv(s)))));
  for (const [i, { code }] of migrated.entries()) {
    if (code !== 0) throw new Error(`migrator for ${services[i].dir} failed (exit ${code}); are Postgres (${adminUrl}) and NATS (${options.env?.NATS_URL ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222'}) up?`);
  }
  const children = [];
  for (const p of peers) {
    children.push({ name: p.name, child: run(p.name, colours[5], [p.main], { PORT: String(options.port?.(p) ?? p.port) }) });
  }
  const processes = options.processes ?? process.env.PROCESSES ?? 'split';
  if (!['split', 'combined'].includes(processes)) throw new Error(`PROCESSES is split (an api and a worker process per service) or combined (one process per service), not ${processes}`);
  for (const [i, s] of services.entries()) {
    const portEnv = { PORT: String(options.port?.(s) ?? s.port) };
    const metricsEnv = { METRICS_PORT: String(options.metricsPort?.(s) ?? s.metricsPort) };
    if (processes === 'combined') {
      children.push({ name: `${s.name}-api+worker`, child: run(`${s.name}`, colours[i], [`${s.dir}/dist/src/main.js`], { ...envOf(s), ...portEnv, ...metricsEnv }) });
      continue;
    }
    for (const role of ['api', 'worker']) {
      const env = { ...envOf(s), ...(role === 'api' ? portEnv : metricsEnv) };
      children.push({ name: `${s.name}-${role}`, child: run(`${s.name}-${role}`, colours[i], [`${s.dir}/dist/src/${role}/main.js`], env) });
    }
  }
  const urlOf = (s) => `http://127.0.0.1:${options.port?.(s) ?? s.port}`;
  const urls = Object.fromEntries([...services, ...peers].map((s) => [s.name, urlOf(s)]));
  if (options.console) {
    // analytics-service, where it runs, answers on 3006 (shifted like the others)
    const apis = { ORDER_URL: urls.order, STOCK_URL: urls.stock, PAYMENT_URL: urls.payment, NOTIFICATION_URL: urls.notify, ANALYTICS_URL: urls.analytics ?? urlOf({ name: 'analytics', port: 3006 }) };
    children.push({ name: consoleApp.name, child: run(consoleApp.name, colours[5], [consoleApp.main], { ...apis, CONSOLE_PORT: String(options.port?.(consoleApp) ?? consoleApp.port), ...options.consoleEnv }) });
    urls.console = urlOf(consoleApp);
  }
  let stopping = false;
  const failed = Promise.race(children.map(({ name, child }) => exited(child).then((r) => (stopping ? new Promise(() => {}) : { name, ...r }))));
  return {
    children,
    urls,
    /** resolves with the first child that exits while the stack is not stopping */
    failed,
    /**
     * Resolves once every api (and the console) answers /readyz; rejects at once if a process
     * exits first (a bad setting exits 78 within a second: its fatal line says which), or after
     * `timeoutMs`.
     */
    ready(timeoutMs = 30_000) {
      const exitedFirst = failed.then(({ name, code, signal }) => {
        throw new Error(`${name} exited (${signal ? `signal ${signal}` : `code ${code}`}) before the system was ready: its last log lines say why`);
      });
      return Promise.race([waitReady(urls, timeoutMs), exitedFirst]);
    },
    /**
     * Stops every child with one SIGTERM. After a terminal's Ctrl-C (`interrupted`), the children
     * had the SIGINT too, and a second signal would make them exit without draining: so they get
     * a moment to say they are stopping, and only those that did not get the SIGTERM.
     */
    async stop({ interrupted = false } = {}) {
      stopping = true;
      const running = () => children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
      for (let waited = 0; interrupted && waited < 1000 && running().some(({ child }) => !stoppingOnItsOwn.has(child)); waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const { child } of running()) if (!stoppingOnItsOwn.has(child)) child.kill('SIGTERM');
      await Promise.all(children.map(({ child }) => exited(child)));
    },
  };
}

/** Waits until every api answers /readyz. */
export async function waitReady(urls, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (const url of Object.values(urls)) {
    for (;;) {
      const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
