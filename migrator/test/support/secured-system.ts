import type { Logger, ServiceDescriptor } from '@order-platform/shared';
import { createTestDatabase, testJwtSecret, testLog, type TestDatabase } from '@order-platform/shared/testing';
import * as orderApi from 'order-service/api';
import * as orderWorker from 'order-service/worker';
import * as orderConfig from 'order-service/config';
import * as stockApi from 'stock-service/api';
import * as stockWorker from 'stock-service/worker';
import * as stockConfig from 'stock-service/config';
import * as paymentApi from 'payment-service/api';
import * as paymentWorker from 'payment-service/worker';
import * as paymentConfig from 'payment-service/config';
import * as notificationApi from 'notification-service/api';
import * as notificationWorker from 'notification-service/worker';
import * as notificationConfig from 'notification-service/config';
import * as analyticsApi from 'analytics-service/api';
import * as analyticsWorker from 'analytics-service/worker';
import * as analyticsConfig from 'analytics-service/config';
import { loadConfig } from '../../src/config.js';
import { runMigrator } from '../../src/run.js';
import { services } from '../../src/services.js';

interface Running {
  stop(): Promise<void>;
}

interface ServiceModules {
  startApi: (config: never, log: Logger) => Promise<Running & { url: string }>;
  startWorker: (config: never, log: Logger) => Promise<Running>;
  loadApiConfig: (env: Record<string, string>) => unknown;
  loadWorkerConfig: (env: Record<string, string>) => unknown;
}

const modules: Record<string, ServiceModules> = {
  'order-service': { ...orderApi, ...orderWorker, ...orderConfig } as unknown as ServiceModules,
  'stock-service': { ...stockApi, ...stockWorker, ...stockConfig } as unknown as ServiceModules,
  'payment-service': { ...paymentApi, ...paymentWorker, ...paymentConfig } as unknown as ServiceModules,
  'notification-service': { ...notificationApi, ...notificationWorker, ...notificationConfig } as unknown as ServiceModules,
  'analytics-service': { ...analyticsApi, ...analyticsWorker, ...analyticsConfig } as unknown as ServiceModules,
};

export interface SecuredService {
  descriptor: ServiceDescriptor;
  database: TestDatabase;
  url: string;
  stop(): Promise<void>;
}

/**
 * One service as it runs for real against a NATS with auth: the migrator, connected as the
 * `migrator` user (and to Postgres as the database's owner), migrates its fresh database and
 * declares its streams and consumers; then its api and worker start through the same config
 * parsing as their main files, connected as the service's own user (and as the app role).
 */
export async function startSecuredService(
  service: string,
  nats: { url: string; namespace: string; passwords: Record<string, string> },
  extraEnv: Record<string, string> = {},
): Promise<SecuredService> {
  const descriptor = await services[service]!();
  const database = await createTestDatabase(service.replace(/-service$/, ''));
  const common = { NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, LOG_LEVEL: 'silent' };
  const started: Running[] = [];
  try {
    const migratorEnv = { ...common, DATABASE_URL: database.ownerUrl, DATABASE_APP_ROLE: database.roles.app, NATS_USER: 'migrator', NATS_PASSWORD: nats.passwords['migrator']! };
    await runMigrator(descriptor, loadConfig(descriptor.defaultDatabaseUrl, migratorEnv), testLog);
    const env = {
      ...common,
      DATABASE_URL: database.appUrl,
      NATS_USER: service,
      NATS_PASSWORD: nats.passwords[service]!,
      PORT: '0',
      METRICS_PORT: '0',
      RETRY_BASE_DELAY_MS: '100',
      RETRY_MAX_DELAY_MS: '1000',
      RELAY_POLL_INTERVAL_MS: '200',
      JWT_SECRET: testJwtSecret,
      ...extraEnv,
    };
    const m = modules[service]!;
    const api = await m.startApi(m.loadApiConfig(env) as never, testLog);
    started.push(api);
    started.push(await m.startWorker(m.loadWorkerConfig(env) as never, testLog));
    return {
      descriptor,
      database,
      url: api.url,
      async stop() {
        for (const s of started.reverse()) await s.stop();
        await database.drop();
      },
    };
  } catch (error) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    await database.drop();
    throw error;
  }
}
