import { closeNats, connectNats, defaultStreamSettings, isUnavailable, migrate, redact, Topology, type Logger, type ServiceDescriptor } from '@order-platform/shared';
import type { MigratorConfig } from './config.js';

/** Migrates one service's database and declares its streams and consumers. Throws with an operator-readable message. */
export async function runMigrator(descriptor: ServiceDescriptor, config: MigratorConfig, log: Logger): Promise<void> {
  const nc = await connectNats({ url: config.natsUrl, name: `${descriptor.service}-migrator`, log, connectTimeoutMs: 5000, user: config.natsUser, password: config.natsPassword }).catch((error: unknown) => {
    throw Object.assign(new Error(`cannot reach NATS at ${config.natsUrl}: ${(error as Error).message}`), { code: 'CONNECTION_REFUSED' });
  });
  try {
    await migrate(descriptor, {
      databaseUrl: config.databaseUrl,
      appRole: config.databaseAppRole || undefined,
      adminUrl: config.databaseAdminUrl || undefined,
      nc,
      topology: new Topology(config.natsNamespace),
      streamSettings: { ...defaultStreamSettings, replicas: config.streamReplicas, maxAgeMs: config.streamMaxAgeHours * 3600_000 },
      log,
    }).catch((error: unknown) => {
      // a message that names the unreachable URL already (the admin URL's) stays as it is
      if (isUnavailable(error) && !(error as Error).message.startsWith('cannot reach')) {
        throw Object.assign(new Error(`cannot reach Postgres at ${redact(config.databaseUrl)}: ${(error as Error).message}`), { code: 'CONNECTION_REFUSED' });
      }
      throw error;
    });
  } finally {
    await closeNats(nc);
  }
}
