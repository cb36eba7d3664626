import { authConfig, commonConfig, defineConfig, parseApiConfig, type ConfigOf } from '@order-platform/shared';

const url = (env: string, port: number, what: string) =>
  ({ env, type: 'string', pattern: '^https?://.+', default: `http://127.0.0.1:${port}`, description: `${what}'s api base URL` }) as const;

/** The console's keys: where each service's api is, how staff tokens are verified (as the apis do). */
export const consoleSpec = defineConfig({
  logLevel: commonConfig.logLevel,
  port: { env: 'CONSOLE_PORT', type: 'integer', minimum: 0, maximum: 65535, default: 3007, description: 'HTTP port of the console (0: any free port)' },
  orderUrl: url('ORDER_URL', 3001, 'order-service'),
  stockUrl: url('STOCK_URL', 3002, 'stock-service'),
  paymentUrl: url('PAYMENT_URL', 3003, 'payment-service'),
  notificationUrl: url('NOTIFICATION_URL', 3004, 'notification-service'),
  analyticsUrl: url('ANALYTICS_URL', 3006, 'analytics-service'),
  jaegerUrl: { env: 'JAEGER_URL', type: 'string', pattern: '^(https?://.+)?$', default: '', description: "Jaeger UI base URL (e.g. `http://127.0.0.1:16686`): trace ids link to `<url>/trace/<id>`; empty: no links" },
  serviceTimeoutMs: { env: 'CONSOLE_SERVICE_TIMEOUT_MS', type: 'integer', minimum: 50, default: 2000, description: 'how long a page waits for one service before saying it does not answer' },
  ...authConfig,
});

export type ConsoleConfig = ConfigOf<typeof consoleSpec>;

export const loadConsoleConfig = (env: Record<string, string | undefined> = process.env): ConsoleConfig => parseApiConfig(consoleSpec, env);
