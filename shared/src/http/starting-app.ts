import Koa from 'koa';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { problemMiddleware } from './problem.js';

/** Seconds a client is asked to wait before trying a starting api again. */
const retryAfterSeconds = 5;

/**
 * What an api answers while its process waits for Postgres or NATS: alive (`/healthz` 200), not
 * ready (`/readyz` 503, naming what it waits for) and, for every other request, 503
 * problem+json with `Retry-After`. The api swaps in its real app once both answer.
 */
export function createStartingApp(service: string, log: Logger, waitingFor: () => string | undefined): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(problemMiddleware(log, service));
  app.use((ctx) => {
    const dependency = waitingFor() ?? 'its dependencies';
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
      return;
    }
    ctx.set('Retry-After', String(retryAfterSeconds));
    if (ctx.path === '/readyz') {
      ctx.status = 503;
      ctx.body = { status: 'starting', waitingFor: dependency };
      return;
    }
    throw new AppError('transient', `${service} is starting: waiting for ${dependency}; try again shortly`);
  });
  return app;
}
