import { Ajv } from 'ajv';

/**
 * Typed configuration from environment variables. Each key names its variable, its type,
 * a description and (except for secrets) a default; `parseConfig` validates all of them with
 * ajv and reports every bad key at once.
 */
type KeySpec =
  | { env: string; type: 'string'; description: string; default?: string; enum?: readonly string[]; pattern?: string; minLength?: number }
  | { env: string; type: 'integer' | 'number'; description: string; default?: number; minimum?: number; maximum?: number }
  | { env: string; type: 'boolean'; description: string; default?: boolean };

export type ConfigSpec = Record<string, KeySpec>;

type ValueOf<K extends KeySpec> = K extends { type: 'string'; enum: readonly (infer E)[] }
  ? E
  : K extends { type: 'string' }
    ? string
    : K extends { type: 'boolean' }
      ? boolean
      : number;

export type ConfigOf<S extends ConfigSpec> = { readonly [P in keyof S]: ValueOf<S[P]> };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

export function defineConfig<const S extends ConfigSpec>(spec: S): S {
  return spec;
}

export function parseConfig<S extends ConfigSpec>(spec: S, env: Record<string, string | undefined>): ConfigOf<S> {
  const properties: Record<string, object> = {};
  const required: string[] = [];
  const input: Record<string, unknown> = {};
  for (const key of Object.values(spec)) {
    const { env: name, description: _description, ...schema } = key;
    properties[name] = schema;
    if (!('default' in key) || key.default === undefined) required.push(name);
    const raw = env[name];
    if (raw !== undefined && raw !== '') input[name] = raw;
  }
  const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true });
  const validate = ajv.compile({ type: 'object', properties, required });
  if (!validate(input)) {
    const problems = (validate.errors ?? []).map((e) => {
      const name = e.instancePath.slice(1) || String(e.params['missingProperty'] ?? '');
      const got = name in input ? ` (got ${JSON.stringify(env[name])})` : '';
      return `${name} ${e.message ?? 'is invalid'}${got}`;
    });
    throw new ConfigError(problems);
  }
  const result: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(spec)) result[field] = input[key.env];
  return result as ConfigOf<S>;
}

/** A markdown table of the keys, for READMEs and `--help`. */
export function describeConfig(spec: ConfigSpec): string {
  const rows = Object.values(spec).map(
    (k) => `| \`${k.env}\` | ${k.type} | ${'default' in k && k.default !== undefined ? `\`${String(k.default)}\`` : '(required)'} | ${k.description} |`,
  );
  return ['| variable | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** Keys every process shares. Services spread these into their own spec. */
export const commonConfig = defineConfig({
  logLevel: {
    env: 'LOG_LEVEL',
    type: 'string',
    enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    description: 'pino log level',
  },
  natsUrl: { env: 'NATS_URL', type: 'string', default: 'nats://127.0.0.1:4222', description: 'NATS server(s), comma separated' },
  natsNamespace: {
    env: 'NATS_NAMESPACE',
    type: 'string',
    pattern: '^[a-z0-9_-]*$',
    default: '',
    description: 'optional prefix for every subject and stream name, to run several isolated copies on one NATS (tests use it)',
  },
  natsUser: { env: 'NATS_USER', type: 'string', default: '', description: "NATS user this process connects as: its service's name, or `migrator` (deploy/nats/auth.conf); empty: no authentication" },
  natsPassword: { env: 'NATS_PASSWORD', type: 'string', default: '', description: "that user's password (a secret: set it from a secret store; never logged)" },
});

/** Keys of api processes. */
export const apiConfig = defineConfig({
  bodyLimit: { env: 'HTTP_BODY_LIMIT', type: 'string', pattern: '^[0-9]+(b|kb|mb)$', default: '64kb', description: 'largest accepted JSON body' },
  dbPoolMax: { env: 'DB_POOL_MAX', type: 'integer', minimum: 1, default: 10, description: 'Postgres connections per process' },
  // Budgets per 60 s window, counted in the service's Postgres so every replica shares them. A
  // customer's are what a person or their app needs with room to spare; staff and internal
  // services (role admin) get a class of their own, high enough for `make bench` (500 orders/s).
  rateLimitReadsPerMinute: {
    env: 'RATE_LIMIT_READS_PER_MINUTE',
    type: 'integer',
    minimum: 1,
    default: 600,
    description: 'GET/HEAD requests per minute of one principal (token `sub`) or, without a token, one client address; admins have RATE_LIMIT_ADMIN_PER_MINUTE',
  },
  rateLimitWritesPerMinute: {
    env: 'RATE_LIMIT_WRITES_PER_MINUTE',
    type: 'integer',
    minimum: 1,
    default: 120,
    description: 'POST/PUT/PATCH/DELETE requests per minute of one principal or, without a token, one client address; admins have RATE_LIMIT_ADMIN_PER_MINUTE',
  },
  rateLimitAdminPerMinute: {
    env: 'RATE_LIMIT_ADMIN_PER_MINUTE',
    type: 'integer',
    minimum: 1,
    default: 120_000,
    description: 'requests of any method per minute of one principal with role admin (staff, internal services, `make bench`)',
  },
  trustedProxyHops: {
    env: 'TRUSTED_PROXY_HOPS',
    type: 'integer',
    minimum: 0,
    maximum: 10,
    default: 0,
    description: 'reverse proxies in front of the api that append to X-Forwarded-For; an anonymous client is rate-limited by the address the outermost of them saw. 0: by the peer address (X-Forwarded-For ignored)',
  },
});

/**
 * Keys of api processes: how bearer tokens are verified. Exactly one of JWT_SECRET and
 * AUTH_JWKS_URL is set (checked by `parseApiConfig`).
 */
export const authConfig = defineConfig({
  jwtSecret: {
    env: 'JWT_SECRET',
    type: 'string',
    default: '',
    description: 'HS256 secret that signs bearer tokens, at least 32 characters (local runs; `make dev` sets a development one). A secret: unset by default',
  },
  jwksUrl: { env: 'AUTH_JWKS_URL', type: 'string', pattern: '^(https?://.+)?$', default: '', description: "an OIDC provider's JWKS URL; when set, tokens are verified with its keys (RS256, PS256, ES256, ES384, EdDSA) instead of JWT_SECRET" },
  issuer: { env: 'AUTH_ISSUER', type: 'string', default: '', description: 'the `iss` every token must carry; empty: not checked' },
  audience: { env: 'AUTH_AUDIENCE', type: 'string', default: '', description: 'the `aud` every token must carry; empty: not checked' },
});

/** parseConfig, plus the rule that exactly one way to verify tokens is configured. */
export function parseApiConfig<S extends ConfigSpec & typeof authConfig>(spec: S, env: Record<string, string | undefined>): ConfigOf<S> {
  const config = parseConfig(spec, env);
  const { jwtSecret, jwksUrl } = config as unknown as ConfigOf<typeof authConfig>;
  if (!jwtSecret && !jwksUrl) throw new ConfigError(['JWT_SECRET or AUTH_JWKS_URL must be set: api endpoints need a way to verify bearer tokens']);
  if (jwtSecret && jwksUrl) throw new ConfigError(['set only one of JWT_SECRET and AUTH_JWKS_URL']);
  if (jwtSecret && jwtSecret.length < 32) throw new ConfigError(['JWT_SECRET must be at least 32 characters']);
  return config;
}

/** Keys of worker processes. */
export const workerConfig = defineConfig({
  dbPoolMax: { env: 'DB_POOL_MAX', type: 'integer', minimum: 2, default: 10, description: 'Postgres connections per process' },
  relayBatchSize: { env: 'RELAY_BATCH_SIZE', type: 'integer', minimum: 1, maximum: 10000, default: 1000, description: 'outbox rows published per relay round' },
  relayPollIntervalMs: { env: 'RELAY_POLL_INTERVAL_MS', type: 'integer', minimum: 10, default: 1000, description: 'outbox poll interval when no NOTIFY arrives' },
  relayGatherMs: {
    env: 'RELAY_GATHER_MS',
    type: 'integer',
    minimum: 0,
    maximum: 1000,
    default: 1,
    description: 'after a NOTIFY wakes the relay, how long it lets more commits arrive before it selects, so a burst goes out as one batch; what an idle event waits extra',
  },
  relayRetentionHours: { env: 'RELAY_RETENTION_HOURS', type: 'number', minimum: 0, default: 24, description: 'published outbox rows are deleted after this long' },
  consumerBatchSize: { env: 'CONSUMER_BATCH_SIZE', type: 'integer', minimum: 1, maximum: 1000, default: 50, description: 'messages a consumer handles in one transaction, at most; it takes what has arrived without waiting for a full batch' },
  consumerFlushWaitMs: { env: 'CONSUMER_FLUSH_WAIT_MS', type: 'integer', minimum: 0, maximum: 1000, default: 0, description: 'how long a batch waits to fill once its first message is there; 0 adds nothing to an idle message' },
  consumerConcurrency: {
    env: 'CONSUMER_CONCURRENCY',
    type: 'integer',
    minimum: 1,
    maximum: 64,
    default: 1,
    description: 'batches in flight at once per subscription and process; above 1, batches touching the same rows in different orders can deadlock (Postgres then retries one)',
  },
  retryBaseDelayMs: { env: 'RETRY_BASE_DELAY_MS', type: 'integer', minimum: 1, default: 500, description: 'delay before the first redelivery of a failed message; doubles each time' },
  retryMaxDelayMs: { env: 'RETRY_MAX_DELAY_MS', type: 'integer', minimum: 1, default: 30000, description: 'longest delay between redeliveries' },
  metricsPort: { env: 'METRICS_PORT', type: 'integer', minimum: 0, maximum: 65535, default: 9464, description: "port of the worker's `GET /metrics` (Prometheus) and `/healthz`; 0 picks a free one" },
  consumerLagIntervalMs: {
    env: 'CONSUMER_LAG_INTERVAL_MS',
    type: 'integer',
    minimum: 100,
    default: 5000,
    description: 'how often consumer_lag and the other JetStream consumer gauges are read from the server',
  },
});

/**
 * For workers whose handlers write outside their own transaction (a record that must survive a
 * rollback): a second, small pool, so handlers holding every pooled connection can never leave
 * such a write waiting for one.
 */
export const autocommitPoolConfig = defineConfig({
  autocommitPoolMax: {
    env: 'DB_AUTOCOMMIT_POOL_MAX',
    type: 'integer',
    minimum: 1,
    default: 4,
    description: "connections for writes that must commit apart from a handler's transaction, kept apart from the handlers' pool",
  },
});

/** Keys of api and worker processes: OpenTelemetry tracing, off unless an endpoint is set. */
export const tracingConfig = defineConfig({
  otelEndpoint: {
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    type: 'string',
    pattern: '^(https?://.+)?$',
    default: '',
    description: 'OTLP/HTTP collector base URL (e.g. `http://jaeger:4318`); spans go to `<url>/v1/traces`. Empty: tracing off, no SDK loaded',
  },
  otelSampleRatio: {
    env: 'OTEL_TRACES_SAMPLER_ARG',
    type: 'number',
    minimum: 0,
    maximum: 1,
    default: 1,
    description: 'fraction of new traces recorded (parent-based: an incoming sampled traceparent is always followed)',
  },
});

/** Keys of migrator runs. */
export const streamConfigKeys = defineConfig({
  streamReplicas: { env: 'NATS_STREAM_REPLICAS', type: 'integer', minimum: 1, maximum: 5, default: 1, description: 'replicas per stream (3 on a NATS cluster)' },
  streamMaxAgeHours: { env: 'NATS_STREAM_MAX_AGE_HOURS', type: 'number', minimum: 1, default: 168, description: 'how long events stay in their stream' },
});

/** The api and worker specs of a service: the common keys, its database and its port. */
export function serviceConfigSpecs(defaults: { databaseUrl: string; port: number }) {
  const serviceKeys = defineConfig({
    databaseUrl: { env: 'DATABASE_URL', type: 'string', default: defaults.databaseUrl, description: "this service's Postgres database" },
  });
  return {
    api: defineConfig({
      ...commonConfig,
      ...serviceKeys,
      ...apiConfig,
      ...authConfig,
      ...tracingConfig,
      port: { env: 'PORT', type: 'integer', minimum: 0, maximum: 65535, default: defaults.port, description: 'HTTP port' },
    }),
    worker: defineConfig({ ...commonConfig, ...serviceKeys, ...workerConfig, ...tracingConfig }),
  };
}
