import { apiConfig, authConfig } from './api-keys.js';
import { defineConfig } from './spec.js';
import { workerConfig } from './worker-keys.js';

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

/**
 * The api and worker specs of a service: the common keys, its database and its port, and its
 * workers' default flush wait (a service whose consumers no customer waits on lingers: see
 * `consumerFlushWaitMs`).
 */
export function serviceConfigSpecs(defaults: { databaseUrl: string; port: number; consumerFlushWaitMs?: number }) {
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
    worker: defineConfig({
      ...commonConfig,
      ...serviceKeys,
      ...workerConfig,
      consumerFlushWaitMs: { ...workerConfig.consumerFlushWaitMs, default: defaults.consumerFlushWaitMs ?? workerConfig.consumerFlushWaitMs.default },
      ...tracingConfig,
    }),
  };
}
