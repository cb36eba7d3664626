import Koa from 'koa';
import type { Registry } from 'prom-client';

/** What a worker's /readyz answers: 200 when `ready`, else 503; `body` says why. */
export type ReadinessCheck = () => Promise<{ ready: boolean; body: Record<string, unknown> }>;

/**
 * The small HTTP listener of a worker process, which has no API of its own: `GET /metrics`
 * for Prometheus, `GET /healthz` (alive) and, given a check, `GET /readyz` (taking work: its
 * Postgres and NATS answer). Anything else is a plain 404.
 */
export function createMetricsApp(registry: Registry, readiness?: ReadinessCheck): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
    } else if (ctx.path === '/metrics') {
      ctx.type = registry.contentType;
      ctx.body = await registry.metrics();
    } else if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
    } else if (ctx.path === '/readyz' && readiness) {
      const { ready, body } = await readiness();
      ctx.status = ready ? 200 : 503;
      ctx.body = body;
    } else {
      ctx.status = 404;
    }
  });
  return app;
}
