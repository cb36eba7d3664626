import { parseArgs } from 'node:util';
import { authConfig, commonConfig, ConfigError, defineConfig, parseConfig, serviceRoles, splitDatabaseUrl, streamConfigKeys, withRole, type ConfigOf } from '@order-platform/shared';
import { policyProblems, type ScalingPolicy } from './autoscale/decide-replicas.js';

/** `defaultDatabaseUrl`: the service's (as its app role); the migrator's is the same database as its owner. */
export function migratorSpec(defaultDatabaseUrl: string) {
  const { database } = splitDatabaseUrl(defaultDatabaseUrl);
  return defineConfig({
    ...commonConfig,
    ...streamConfigKeys,
    databaseUrl: {
      env: 'DATABASE_URL',
      type: 'string',
      default: withRole(defaultDatabaseUrl, serviceRoles(database).owner),
      description: "the service's Postgres database, as the role that owns it and its schema (the migrations run as it)",
    },
    databaseAppRole: {
      env: 'DATABASE_APP_ROLE',
      type: 'string',
      pattern: '^([a-z_][a-z0-9_]*)?$',
      default: '',
      description: "the role the service's api and worker log in as; after migrating it is granted exactly row access (select, insert, update, delete) and nothing else. Empty: `<database>_app`",
    },
    databaseAdminUrl: {
      env: 'DATABASE_ADMIN_URL',
      type: 'string',
      pattern: '^(postgres(ql)?://.+)?$',
      default: '',
      description: "optional, for local runs: a superuser on the server's maintenance database, used only to first create the database, its owner (DATABASE_URL's user) and the app role where missing. Empty: they must exist",
    },
  });
}

export type MigratorConfig = ConfigOf<ReturnType<typeof migratorSpec>>;

// The only place the migrator reads the environment.
export function loadConfig(defaultDatabaseUrl: string, env = process.env): MigratorConfig {
  return parseConfig(migratorSpec(defaultDatabaseUrl), env);
}

/** For the dlq, streams and autoscale tools: only where NATS is, and as whom (the `migrator` user when NATS has auth). */
export function loadToolConfig(env = process.env) {
  return parseConfig(commonConfig, env);
}

/** For the token tool: the secret and claims the apis expect. */
export function loadTokenConfig(env = process.env) {
  const config = parseConfig({ jwtSecret: authConfig.jwtSecret, issuer: authConfig.issuer, audience: authConfig.audience }, env);
  if (config.jwtSecret.length < 32) throw new ConfigError(['JWT_SECRET must be set (at least 32 characters): the secret the apis verify tokens with']);
  return config;
}

/** The autoscaler's keys. Each can also be given as a flag: `AUTOSCALE_TARGET_LAG` is `--target-lag`. */
export const autoscaleSpec = defineConfig({
  ...commonConfig,
  minReplicas: { env: 'AUTOSCALE_MIN_REPLICAS', type: 'integer', minimum: 1, default: 1, description: 'fewest worker replicas (at least 1: the worker also runs the outbox relay)' },
  maxReplicas: { env: 'AUTOSCALE_MAX_REPLICAS', type: 'integer', minimum: 1, default: 5, description: 'most worker replicas' },
  targetLag: {
    env: 'AUTOSCALE_TARGET_LAG',
    type: 'integer',
    minimum: 1,
    default: 100,
    description: 'lag (pending + ack pending, summed over the worker\'s consumers) one replica is sized for; above it per replica, scale up',
  },
  scaleDownLag: { env: 'AUTOSCALE_SCALE_DOWN_LAG', type: 'integer', minimum: 0, default: 10, description: 'scale down only when lag per replica is below this (below the target, so the band between does not flap)' },
  cooldownSeconds: { env: 'AUTOSCALE_COOLDOWN_SECONDS', type: 'number', minimum: 0, default: 60, description: 'no change within this long of the last one' },
  intervalSeconds: { env: 'AUTOSCALE_INTERVAL_SECONDS', type: 'number', minimum: 0.05, default: 10, description: 'how often the lag is read' },
  initialReplicas: { env: 'AUTOSCALE_INITIAL_REPLICAS', type: 'integer', minimum: 0, default: 0, description: 'replicas running at start; 0 = count them with `docker compose ps` (the minimum in a dry run)' },
  composeCommand: { env: 'AUTOSCALE_COMPOSE_COMMAND', type: 'string', minLength: 1, default: 'docker compose', description: 'how to call compose (`docker-compose` for v1)' },
  composeService: { env: 'AUTOSCALE_COMPOSE_SERVICE', type: 'string', default: '', description: 'the compose service of the worker; empty = `<service>-worker`' },
  dryRun: { env: 'AUTOSCALE_DRY_RUN', type: 'boolean', default: false, description: 'print each decision and the command it would run, run nothing' },
});

export type AutoscaleConfig = ConfigOf<typeof autoscaleSpec>;

export function flagOf(envName: string): string {
  return envName.replace(/^AUTOSCALE_/, '').toLowerCase().replaceAll('_', '-');
}

/**
 * `autoscale <service> [--flag value…]`: flags override the environment, then everything is
 * validated together, the scaling policy included. Throws ConfigError listing every problem.
 * `service` is empty unless exactly one was named.
 */
export function loadAutoscaleConfig(argv: string[], env = process.env): { service: string; config: AutoscaleConfig } {
  const keys = Object.values(autoscaleSpec).filter((k) => k.env.startsWith('AUTOSCALE_'));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: Object.fromEntries(keys.map((k) => [flagOf(k.env), { type: k.type === 'boolean' ? ('boolean' as const) : ('string' as const) }])),
  });
  const overrides = Object.fromEntries(keys.filter((k) => values[flagOf(k.env)] !== undefined).map((k) => [k.env, String(values[flagOf(k.env)])]));
  const config = parseConfig(autoscaleSpec, { ...env, ...overrides });
  const problems = policyProblems(scalingPolicy(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return { service: positionals.length === 1 ? positionals[0]! : '', config };
}

export function scalingPolicy(config: AutoscaleConfig): ScalingPolicy {
  return {
    minReplicas: config.minReplicas,
    maxReplicas: config.maxReplicas,
    targetLagPerReplica: config.targetLag,
    scaleDownLagPerReplica: config.scaleDownLag,
    cooldownMs: config.cooldownSeconds * 1000,
  };
}
