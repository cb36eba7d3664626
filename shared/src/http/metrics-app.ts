import Koa from 'koa';
import type { Registry } from 'prom-client';

/**
 * The small HTTP listener of a worker process, which has no API of its own: `GET /metrics`
 * for Prometheus and `GET /healthz` (alive). Anything else is a plain 404.
 */
export function createMetricsApp(registry: Registry): Koa {
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
    } else {
      ctx.status = 404;
    }
  });
  return app;
}
