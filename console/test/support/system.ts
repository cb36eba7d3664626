import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Topology } from '@order-platform/shared';
import { deleteNamespaceStreams, testInfra, testJwtSecret } from '@order-platform/shared/testing';
import { startMailSink } from '../../../scripts/mail-sink.mjs';
import { consoleApp, peers, services, startStack, waitReady } from '../../../scripts/stack.mjs';
import { startAnalyticsSwitch, type AnalyticsSwitch } from './analytics-fixture.js';

/** The whole system as `make demo` runs it (scripts/stack.mjs), on free ports, its own databases and NATS namespace, with the console. */
export interface ConsoleSystem {
  urls: { order: string; stock: string; payment: string; notify: string; console: string };
  /** a superuser connection to each service's database (fixtures only), by stack name */
  databaseUrl(service: 'order' | 'notify'): string;
  nc: NatsConnection;
  topology: Topology;
  /** between the console and the stack's analytics-service: `available = false` takes it away */
  analytics: AnalyticsSwitch;
  /** the pid of a running process of the stack, e.g. `order-worker` */
  pidOf(name: string): number;
}

let running: Promise<{ system: ConsoleSystem; stop: () => Promise<void> }> | undefined;

/** Starts the system once per test run; the root hook (hooks.ts) stops it. */
export async function consoleSystem(): Promise<ConsoleSystem> {
  running ??= start();
  return (await running).system;
}

export async function stopConsoleSystem(): Promise<void> {
  if (!running) return;
  const started = running;
  running = undefined;
  await (await started).stop();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function start(): Promise<{ system: ConsoleSystem; stop: () => Promise<void> }> {
  const { databaseUrl: adminUrl, natsUrl } = await testInfra();
  const run = randomBytes(3).toString('hex');
  const namespace = `console${run}`;
  const dbName = (dir: string) => `${dir.replace(/-service$/, '')}_console_${run}`;
  const ports = new Map<string, number>();
  for (const s of [...services, ...peers, consoleApp] as { name: string }[]) ports.set(s.name, await freePort());
  const metrics = new Map<string, number>();
  for (const s of services as { name: string }[]) metrics.set(s.name, await freePort());
  // the console reads analytics-service through this switch, so a test can take it away
  const analytics = await startAnalyticsSwitch();
  const sink = await startMailSink({ port: 0, onMail: () => {} });
  const log: string[] = [];
  const stack = await startStack({
    env: {
      NATS_URL: natsUrl, NATS_NAMESPACE: namespace, JWT_SECRET: testJwtSecret, LOG_LEVEL: 'warn',
      RETRY_BASE_DELAY_MS: '200', RETRY_MAX_DELAY_MS: '1000', DB_POOL_MAX: '4', DB_AUTOCOMMIT_POOL_MAX: '2',
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CUSTOMER_DIRECTORY_URL: `http://127.0.0.1:${ports.get('directory')}`, STAFF_EMAIL: 'staff@shop.example',
      // a tok_unavailable payment keeps retrying for the whole run: the order stays waiting
      PAYMENT_CHARGE_BUDGET_MS: '300000',
    },
    adminUrl,
    database: dbName,
    port: (s: { name: string }) => ports.get(s.name),
    metricsPort: (s: { name: string }) => metrics.get(s.name),
    console: true,
    consoleEnv: { ANALYTICS_URL: `http://127.0.0.1:${analytics.port}` },
    output: (line: string) => void log.push(line),
  });
  const urls = stack.urls as ConsoleSystem['urls'];
  analytics.target = (stack.urls as { analytics: string }).analytics;
  try {
    await waitReady(urls, 60_000);
  } catch (error) {
    await stack.stop();
    throw new Error(`${(error as Error).message}; last lines:\n${log.slice(-20).join('\n')}`);
  }
  const nc = await connect({ servers: natsUrl });
  const database = (name: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const system: ConsoleSystem = {
    urls,
    databaseUrl: (service) => database(dbName(service === 'order' ? 'order-service' : 'notification-service')),
    nc,
    topology: new Topology(namespace),
    analytics,
    pidOf: (name) => (stack.children as { name: string; child: { pid: number } }[]).find((c) => c.name === name)!.child.pid,
  };
  return {
    system,
    async stop() {
      await stack.stop();
      await Promise.all([sink.close(), analytics.stop()]);
      await deleteNamespaceStreams(nc, namespace);
      await nc.close();
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        for (const s of services as { dir: string }[]) {
          await admin.query(`drop database if exists "${dbName(s.dir)}" with (force)`);
          for (const role of ['owner', 'app']) await admin.query(`drop role if exists "${dbName(s.dir)}_${role}"`);
        }
      } finally {
        await admin.end();
      }
    },
  };
}
