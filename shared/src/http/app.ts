import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Middleware } from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { Counter, Histogram, type Registry } from 'prom-client';
import { INVALID_SPAN_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { withLogContext, type Logger } from '../logger.js';
import { contextOf, newTraceparent, parseTraceparent, traceparentOf, tracer } from '../tracing.js';
import { parserRefusal, problemMiddleware } from './problem.js';
import { routeMiddleware, type RouteDefinition } from './route.js';
import { openApiDocument } from './openapi.js';
import { addDocsRoutes } from './docs-page.js';
import type { Authenticate } from './auth.js';

const operational = new Set(['/healthz', '/readyz', '/metrics']);
// open whatever the Authorization header says, and never rate-limited: probes, scrapers and docs readers
const unauthenticated = new Set([...operational, '/openapi.json', '/docs']);
const isOpen = (path: string): boolean => unauthenticated.has(path) || path.startsWith('/docs/assets/');

export interface HttpAppOptions {
  service: string;
  version?: string;
  description?: string;
  log: Logger;
  registry: Registry;
  routes: RouteDefinition[];
  /** named checks for /readyz; each resolves true when its dependency is reachable */
  readiness: Record<string, () => Promise<boolean>>;
  /** largest accepted JSON body, e.g. '64kb' */
  bodyLimit?: string;
  /** reads the bearer token; each route then checks the principal against its `access`. Default: tokens are ignored, so only public routes answer */
  authenticate?: Authenticate;
  /** counts each request but the operational ones, after authentication (see rate-limit.ts). Default: no limits */
  rateLimit?: Middleware;
}

/**
 * The koa app every api process runs: request id and trace context, metrics, one error
 * policy (problem+json), a JSON body limit, the service's routes, and the operational
 * endpoints /healthz, /readyz, /metrics, /openapi.json and /docs.
 */
export function createHttpApp(options: HttpAppOptions): Koa {
  const app = new Koa();
  app.proxy = true;
  app.silent = true; // errors are logged by the problem middleware, once
  const metrics = httpMetrics(options.registry);
  const router = new Router();
  const openapi = openApiDocument(
    { title: options.service, version: options.version ?? '0.1.0', ...(options.description ? { description: options.description } : {}) },
    options.routes,
  );

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const entries = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => [name, await check().catch(() => false)] as const),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, ok]) => ok);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not ready', checks };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = options.registry.contentType;
    ctx.body = await options.registry.metrics();
  });
  router.get('/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  addDocsRoutes(router, options.service);
  for (const definition of options.routes) router[definition.method](definition.path, routeMiddleware(definition));

  app.use(async (ctx, next) => {
    const requestId = validId(ctx.get('x-request-id')) ?? randomUUID();
    const incoming = ctx.get('traceparent') || undefined;
    // probes and scrapes every few seconds would bury the traces worth reading
    const span = operational.has(ctx.path)
      ? trace.wrapSpanContext(parseTraceparent(incoming) ?? INVALID_SPAN_CONTEXT)
      : tracer(options.service).startSpan(
          ctx.method,
          { kind: SpanKind.SERVER, attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path } },
          contextOf(incoming),
        );
    // With tracing off the span only carries the caller's context (or none): keep theirs, or start one.
    const traceparent = traceparentOf(span) ?? newTraceparent();
    const traceId = traceparent.split('-')[1];
    ctx.state['requestId'] = requestId;
    ctx.state['log'] = options.log.child({ requestId });
    ctx.set('x-request-id', requestId);
    const stop = metrics.duration.startTimer();
    try {
      await context.with(trace.setSpan(context.active(), span), () => withLogContext({ requestId, traceId, traceparent }, next));
    } finally {
      // the route template ('/orders/:id'), never the raw path: one series per route, not per order
      const route = String((ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched');
      const labels = { method: ctx.method, route, status: String(ctx.status), status_class: `${String(ctx.status)[0]}xx` };
      stop(labels);
      metrics.requests.inc(labels);
      span.updateName(`${ctx.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': ctx.status });
      if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  });
  app.use(problemMiddleware(options.log, options.service));
  app.use(async (ctx, next) => {
    if (!isOpen(ctx.path)) {
      const principal = await options.authenticate?.(ctx.get('authorization') || undefined);
      ctx.state['principal'] = principal;
      if (principal) ctx.state['log'] = (ctx.state['log'] as Logger).child({ principal: principal.id });
    }
    await next();
  });
  const { rateLimit } = options;
  if (rateLimit) app.use((ctx, next) => (isOpen(ctx.path) ? next() : rateLimit(ctx, next)));
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: options.bodyLimit ?? '64kb', encoding: 'utf-8' }));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return app;
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on `port` (0 picks a free one, as tests do). `close` stops accepting and waits for
 * in-flight requests. `app` may be a plain request listener, e.g. one that switches apps.
 */
export async function listen(app: Koa | RequestListener, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  const server = createServer(app instanceof Koa ? app.callback() : app);
  server.keepAliveTimeout = 5000;
  // Node answers these with a bare status line (431 for a 100 KB URL); clients get problem+json like every other error
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) socket.destroy();
    else socket.end(parserRefusal(error.code));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function validId(value: string): string | undefined {
  return /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : undefined;
}

function httpMetrics(registry: Registry) {
  // status_class ('2xx', '4xx', '5xx') follows from status, so it adds no series; it makes error rates one matcher
  const labelNames = ['method', 'route', 'status', 'status_class'] as const;
  return {
    requests: new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, route template and status', labelNames, registers: [registry] }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration, until the handler returns (a server-sent event stream counts until it ends)',
      labelNames,
      registers: [registry],
    }),
  };
}
