import { commonConfig, defineConfig, parseConfig, streamConfigKeys, type ConfigOf } from '@order-platform/shared';

export function migratorSpec(defaultDatabaseUrl: string) {
  return defineConfig({
    ...commonConfig,
    ...streamConfigKeys,
    databaseUrl: { env: 'DATABASE_URL', type: 'string', default: defaultDatabaseUrl, description: "the service's Postgres database (created if missing and allowed)" },
  });
}

export type MigratorConfig = ConfigOf<ReturnType<typeof migratorSpec>>;

// The only place the migrator reads the environment.
export function loadConfig(defaultDatabaseUrl: string, env = process.env): MigratorConfig {
  return parseConfig(migratorSpec(defaultDatabaseUrl), env);
}

/** For the dlq tool: only where NATS is. */
export function loadToolConfig(env = process.env) {
  return parseConfig(commonConfig, env);
}
