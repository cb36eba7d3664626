import { parseApiConfig, autocommitPoolConfig, ConfigError, commonConfig, defineConfig, parseConfig, serviceConfigSpecs, type ConfigOf } from '@order-platform/shared';

export const SERVICE = 'notification-service';
export const DEFAULT_DATABASE_URL = 'postgres://notification_service_app@127.0.0.1:5432/notification_service';

const specs = serviceConfigSpecs({ databaseUrl: DEFAULT_DATABASE_URL, port: 3004, consumerFlushWaitMs: 50 });
export const apiSpec = specs.api;

const channel = { type: 'string', enum: ['email', 'webhook'] } as const;

export const workerSpec = defineConfig({
  ...specs.worker,
  ...autocommitPoolConfig,
  customerChannel: { env: 'NOTIFY_CUSTOMER_CHANNEL', ...channel, default: 'email', description: 'how customers are told: email or webhook' },
  staffChannel: { env: 'NOTIFY_STAFF_CHANNEL', ...channel, default: 'email', description: 'how staff get low-stock alerts: email or webhook' },
  staffEmail: { env: 'STAFF_EMAIL', type: 'string', minLength: 3, default: 'staff@shop.example', description: 'where low-stock alerts go by email' },
  smtpUrl: { env: 'SMTP_URL', type: 'string', pattern: '^smtps?://', default: 'smtp://127.0.0.1:1025', description: 'SMTP server (Mailpit in docker compose), e.g. smtp://user:pass@host:587' },
  mailFrom: { env: 'MAIL_FROM', type: 'string', minLength: 3, default: 'Order Platform <orders@shop.example>', description: 'From: of every email' },
  smtpTimeoutMs: { env: 'SMTP_TIMEOUT_MS', type: 'integer', minimum: 100, default: 10_000, description: 'connect, greeting and socket timeout of one SMTP send' },
  webhookUrl: { env: 'WEBHOOK_URL', type: 'string', default: '', description: 'receiver of webhook notifications; required when a channel is webhook' },
  webhookSecret: {
    env: 'WEBHOOK_SECRET',
    type: 'string',
    default: '',
    description: 'HMAC-SHA256 key for the webhook-signature header (Standard Webhooks); required when a channel is webhook',
  },
  webhookTimeoutMs: { env: 'WEBHOOK_TIMEOUT_MS', type: 'integer', minimum: 100, default: 5000, description: 'timeout of one webhook POST' },
  directoryUrl: {
    env: 'CUSTOMER_DIRECTORY_URL',
    type: 'string',
    pattern: '^https?://',
    default: 'http://127.0.0.1:3005',
    description: 'customer directory base URL (GET /customers/:id → { id, name, email })',
  },
  directoryTimeoutMs: { env: 'CUSTOMER_DIRECTORY_TIMEOUT_MS', type: 'integer', minimum: 10, default: 1000, description: 'timeout of one directory call' },
  directoryRetries: { env: 'CUSTOMER_DIRECTORY_RETRIES', type: 'integer', minimum: 0, maximum: 10, default: 2, description: 'retries of a failed directory call' },
  directoryBreakerFailures: {
    env: 'CUSTOMER_DIRECTORY_BREAKER_FAILURES',
    type: 'integer',
    minimum: 1,
    default: 5,
    description: 'consecutive failed lookups that open the circuit (lookups then use fallback data at once)',
  },
  directoryBreakerHalfOpenMs: {
    env: 'CUSTOMER_DIRECTORY_BREAKER_HALF_OPEN_MS',
    type: 'integer',
    minimum: 10,
    default: 10_000,
    description: 'how long the circuit stays open before one trial lookup',
  },
  directoryCacheTtlMs: {
    env: 'CUSTOMER_DIRECTORY_CACHE_TTL_MS',
    type: 'integer',
    minimum: 0,
    default: 60_000,
    description: 'how long the worker keeps a customer the directory found (name, address); 0 asks the directory for every notification',
  },
  directoryCacheSize: {
    env: 'CUSTOMER_DIRECTORY_CACHE_SIZE',
    type: 'integer',
    minimum: 1,
    default: 10_000,
    description: 'the most customers the worker keeps from the directory (least recently used out first)',
  },
  renderTimeoutMs: {
    env: 'TEMPLATE_RENDER_TIMEOUT_MS',
    type: 'integer',
    minimum: 10,
    maximum: 10_000,
    default: 250,
    description: 'longest one render of a template may take (a seeded one takes well under 1 ms); past it the notification fails for good',
  },
  renderThreads: { env: 'TEMPLATE_RENDER_THREADS', type: 'integer', minimum: 1, maximum: 16, default: 2, description: 'worker threads that render templates' },
});

export const directoryStubSpec = defineConfig({
  logLevel: commonConfig.logLevel,
  port: { env: 'PORT', type: 'integer', minimum: 0, maximum: 65535, default: 3005, description: 'HTTP port' },
});

export type ApiConfig = ConfigOf<typeof apiSpec>;
export type WorkerConfig = ConfigOf<typeof workerSpec>;
export type DirectoryStubConfig = ConfigOf<typeof directoryStubSpec>;

// The only place this service reads the environment.
export const loadApiConfig = (env = process.env): ApiConfig => parseApiConfig(apiSpec, env);
export const loadDirectoryStubConfig = (env = process.env): DirectoryStubConfig => parseConfig(directoryStubSpec, env);

export function loadWorkerConfig(env = process.env): WorkerConfig {
  const config = parseConfig(workerSpec, env);
  const usesWebhook = config.customerChannel === 'webhook' || config.staffChannel === 'webhook';
  const problems: string[] = [];
  if (usesWebhook && !/^https?:\/\//.test(config.webhookUrl)) problems.push('WEBHOOK_URL must be an http(s) URL when a channel is webhook');
  if (usesWebhook && config.webhookSecret.length < 16) problems.push('WEBHOOK_SECRET must be at least 16 characters when a channel is webhook');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
