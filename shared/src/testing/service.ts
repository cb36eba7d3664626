import pino from 'pino';
import type { Logger } from '../logger.js';
import { migrate } from '../migrate.js';
import { defaultStreamSettings, Topology } from '../nats/topology.js';
import type { ServiceDescriptor } from '../migrate.js';
import type { Resources } from '../process/resources.js';
import { testJwtSecret } from './auth.js';
import { createTestDatabase, deleteNamespaceStreams, testInfra, testNatsConnection, uniqueNamespace, type TestDatabase } from './infra.js';

export const testLog: Logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

interface Started {
  resources: Resources;
  stop(): Promise<void>;
}

export interface ServiceUnderTest<A extends Started, W extends Started> {
  database: TestDatabase;
  topology: Topology;
  /** the env the processes were configured from, to start more (e.g. a second worker) */
  env: Record<string, string>;
  api: A & { url: string };
  worker: W | undefined;
  startWorker(): Promise<W>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts one service as it runs for real, in this process: a fresh database with its owner and
 * app roles, its migrations and stream declarations in a namespace of its own, the api on a free
 * port, and the worker. Everything goes through the same start functions and config parsing as
 * the main files.
 */
export async function startServiceUnderTest<A extends Started & { url: string }, W extends Started, CA, CW>(options: {
  descriptor: ServiceDescriptor;
  loadApiConfig: (env: Record<string, string>) => CA;
  loadWorkerConfig: (env: Record<string, string>) => CW;
  startApi: (config: CA, log: Logger) => Promise<A>;
  startWorker: (config: CW, log: Logger) => Promise<W>;
  namespace?: string;
  worker?: boolean;
  env?: Record<string, string>;
  /** the Postgres server its database goes on (a superuser's URL), if not the tests' own */
  databaseServerUrl?: string;
}): Promise<ServiceUnderTest<A, W>> {
  const { natsUrl } = await testInfra();
  const label = options.descriptor.service.replace(/-service$/, '');
  const database = await createTestDatabase(label, options.databaseServerUrl ? { serverUrl: options.databaseServerUrl } : {});
  const topology = new Topology(options.namespace ?? uniqueNamespace(label));
  const nc = await testNatsConnection();
  try {
    // as in production: migrations as the owner, api and worker as the app role (row access only)
    await migrate(options.descriptor, { databaseUrl: database.ownerUrl, appRole: database.roles.app, nc, topology, streamSettings: defaultStreamSettings, log: testLog });
  } finally {
    await nc.close();
  }
  const env: Record<string, string> = {
    DATABASE_URL: database.appUrl,
    NATS_URL: natsUrl,
    NATS_NAMESPACE: topology.namespace,
    PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    RETRY_BASE_DELAY_MS: '100',
    RETRY_MAX_DELAY_MS: '1000',
    RELAY_POLL_INTERVAL_MS: '200',
    JWT_SECRET: testJwtSecret,
    // limits on, counted in Postgres, but out of reach of any suite that is not about them
    // small pools: a system test runs four services, api and worker each, on one Postgres whose
    // max_connections (100 by default) other suites on the machine may share
    DB_POOL_MAX: '4',
    DB_AUTOCOMMIT_POOL_MAX: '2',
    RATE_LIMIT_READS_PER_MINUTE: '1000000',
    RATE_LIMIT_WRITES_PER_MINUTE: '1000000',
    RATE_LIMIT_ADMIN_PER_MINUTE: '1000000',
    ...options.env,
  };
  const api = await options.startApi(options.loadApiConfig(env), testLog);
  const sut: ServiceUnderTest<A, W> = {
    database,
    topology,
    env,
    api,
    worker: undefined,
    async startWorker() {
      const worker = await options.startWorker(options.loadWorkerConfig(env), testLog);
      sut.worker = worker;
      return worker;
    },
    async stopWorker() {
      await sut.worker?.stop();
      sut.worker = undefined;
    },
    async close() {
      await sut.stopWorker();
      await api.stop();
      const cleanup = await testNatsConnection();
      await deleteNamespaceStreams(cleanup, topology.namespace).finally(() => cleanup.close());
      await database.drop();
    },
  };
  if (options.worker !== false) await sut.startWorker();
  return sut;
}
