import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'yaml';
import { createTestDatabase, deleteNamespaceStreams, testInfra, testNatsConnection, uniqueNamespace, type TestDatabase } from '@order-platform/shared/testing';
import { startMailSink } from '../../../scripts/mail-sink.mjs';

// Without Docker, each app container of docker-compose.yml is run as the local process its
// image would run (`node <command>` from the built tree), with the compose file's environment.
// Only what names another container is mapped to this machine: the NATS and Postgres hosts, the
// Mailpit and directory addresses, ports (free ones), plus a NATS namespace so nothing collides.
const root = fileURLToPath(new URL('../../../', import.meta.url));
interface ComposeService { image?: string; command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown> }
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const app = Object.entries(compose.services).filter(([, s]) => s.image === 'order-platform:latest');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Running { name: string; child: ChildProcess; lines: string[]; exit: Promise<number | null>; signal?: NodeJS.Signals | null }

function run(name: string, command: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, command, { cwd: root, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const running: Running = { name, child, lines, exit: new Promise((resolve) => child.once('exit', (code, signal) => {
    running.signal = signal;
    resolve(code);
  })) };
  return running;
}

async function until(what: string, check: () => Promise<boolean> | boolean, running: Running, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (running.child.exitCode !== null || Date.now() > deadline) throw new Error(`${running.name}: ${what} did not happen; output:\n${running.lines.slice(-15).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const answers = (url: string) => fetch(url).then((r) => r.ok, () => false);

describe('every compose app container, run as a local process with the compose env', function () {
  this.timeout(120_000);
  const namespace = uniqueNamespace('compose');
  const databases = new Map<string, TestDatabase>();
  const running: Running[] = [];
  let sink: Awaited<ReturnType<typeof startMailSink>>;

  after(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await sink?.close();
    for (const db of databases.values()) await db.drop();
    const nc = await testNatsConnection();
    await deleteNamespaceStreams(nc, namespace);
    await nc.close();
  });

  it('migrators exit 0, apis answer /readyz, workers start and answer /healthz, and all stop cleanly on SIGTERM', async () => {
    const { natsUrl } = await testInfra();
    sink = await startMailSink({ port: 0, onMail: () => {} });
    const ports = new Map<string, number>();
    for (const [name] of app) ports.set(name, await freePort());
    const database = async (name: string): Promise<TestDatabase> => {
      if (!databases.has(name)) databases.set(name, await createTestDatabase(name));
      return databases.get(name)!;
    };
    const interpolate = (value: string) => value.replace(/\$\{(\w+):-([^}]*)\}/g, (_match, variable: string, fallback: string) => process.env[variable] || fallback);
    const local = async (key: string, value: string): Promise<string> => {
      if (key === 'NATS_URL') return natsUrl;
      if (key === 'PORT' || key === 'CONSOLE_PORT') return '';
      // every worker listens for /metrics: on one host they need ports of their own
      if (key === 'METRICS_PORT') return String(await freePort());
      if (key === 'SMTP_URL') return `smtp://127.0.0.1:${sink.port}`;
      if (key === 'CUSTOMER_DIRECTORY_URL') return `http://127.0.0.1:${ports.get('customer-directory')}`;
      // a test database with roles made as the database container's init script makes them:
      // the compose URL's user, <db>_owner or <db>_app, picks which of its roles logs in
      if (key === 'DATABASE_URL') {
        const url = new URL(interpolate(value));
        const name = url.pathname.slice(1);
        const test = await database(name);
        const as = { [`${name}_owner`]: test.ownerUrl, [`${name}_app`]: test.appUrl }[url.username];
        if (!as) throw new Error(`${value}: the user is neither ${name}_owner nor ${name}_app`);
        return as;
      }
      if (key === 'DATABASE_APP_ROLE') return (await database(value.replace(/_app$/, ''))).roles.app;
      // compose interpolation, `${VAR:-default}`, as docker compose would do it
      return interpolate(value);
    };
    // dependency order: the directory, then per service its migrator, api and worker
    const ordered = [...app].sort(([a], [b]) => rank(a) - rank(b));
    for (const [name, service] of ordered) {
      const env: Record<string, string> = { NATS_NAMESPACE: namespace };
      for (const [key, value] of Object.entries(service.environment ?? {})) env[key] = await local(key, value);
      for (const key of ['PORT', 'CONSOLE_PORT']) if (key in (service.environment ?? {})) env[key] = String(ports.get(name));
      const r = run(name, service.command!, env);
      running.push(r);
      if (name.endsWith('-migrate')) {
        expect(await r.exit, `${name} exit code; output:\n${r.lines.slice(-10).join('\n')}`).to.equal(0);
      } else if (env['PORT'] ?? env['CONSOLE_PORT']) {
        const port = env['PORT'] ?? env['CONSOLE_PORT'];
        await until(`/readyz on ${port}`, () => answers(`http://127.0.0.1:${port}/${name === 'customer-directory' ? 'healthz' : 'readyz'}`), r);
      } else {
        await until('"worker started"', () => r.lines.some((l) => l.includes('"msg":"worker started"')), r);
        await until(`/healthz on ${env['METRICS_PORT']}`, () => answers(`http://127.0.0.1:${env['METRICS_PORT']}/healthz`), r);
      }
    }
    const serving = running.filter((r) => r.child.exitCode === null);
    expect(serving.map((r) => r.name).sort()).to.deep.equal(app.map(([n]) => n).filter((n) => !n.endsWith('-migrate')).sort());
    for (const r of serving) r.child.kill('SIGTERM');
    // a process killed by a signal has no exit code: the signal and its last lines say why
    for (const r of serving) {
      const code = await r.exit;
      expect(code, `${r.name} exit code after SIGTERM (signal ${r.signal ?? 'none'}); output:\n${r.lines.slice(-15).join('\n')}`).to.equal(0);
    }
  });
});

function rank(name: string): number {
  if (name === 'customer-directory') return 0;
  if (name === 'console') return 4; // reads the apis: after them
  const role = ['-migrate', '-api', '-worker'].findIndex((suffix) => name.endsWith(suffix));
  return 1 + role;
}
