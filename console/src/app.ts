import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import { createAuthenticator, type Logger } from '@order-platform/shared';
import { loadAssets } from './assets.js';
import type { ConsoleConfig } from './config.js';
import { readForm } from './form.js';
import { signInPage } from './pages/sign-in.js';
import { pageRoutes } from './routes.js';
import { createServices } from './services.js';
import { checkStaffToken, clearTokenCookie, requireStaff, sameOriginPosts, setTokenCookie } from './session.js';

export interface RunningConsole {
  url: string;
  port: number;
  stop(): Promise<void>;
}

// scripts only from this origin, no inline script or style, never framed, forms post here only
// Referrer-Policy same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts,
// which the Origin check refuses; same-origin still sends nothing to Jaeger
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

export function createConsoleApp(config: ConsoleConfig, log: Logger): Koa {
  const authenticate = createAuthenticator(config);
  const assets = loadAssets();
  const app = new Koa();
  app.use(async function errors(ctx: Context, next: Next) {
    try {
      await next();
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      if (status >= 500) log.error({ err: error, path: ctx.path }, 'console request failed');
      ctx.status = status;
      ctx.type = 'text/plain';
      ctx.body = status >= 500 ? 'the console failed; see its log' : (error as Error).message;
    }
  });
  app.use(async function securityHeaders(ctx: Context, next: Next) {
    ctx.set({ 'Content-Security-Policy': contentSecurityPolicy, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin', 'Cache-Control': 'no-store' });
    await next();
  });
  app.use(sameOriginPosts);

  const open = new Router();
  // no database or NATS of its own: ready as soon as it listens (each page says which service is down)
  for (const path of ['/healthz', '/readyz']) open.get(path, (ctx) => void (ctx.body = { status: 'ok' }));
  for (const [path, asset] of assets) {
    open.get(path, (ctx) => {
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.type = asset.type;
      ctx.body = asset.body;
    });
  }
  open.get('/sign-in', (ctx) => {
    ctx.type = 'html';
    ctx.body = signInPage(ctx.query['signed-out'] !== undefined ? { kind: 'signed-out', text: 'Signed out.' } : undefined).value;
  });
  open.post('/sign-in', async (ctx) => {
    const checked = await checkStaffToken(authenticate, (await readForm(ctx)).get('token') ?? '');
    if (!checked.ok) {
      log.info({ status: checked.status }, 'console sign-in refused');
      ctx.status = checked.status;
      ctx.type = 'html';
      ctx.body = signInPage({ kind: 'refused', text: checked.message }).value;
      return;
    }
    log.info({ staff: checked.principal.id }, 'console sign-in');
    setTokenCookie(ctx, checked.token, checked.expires);
    ctx.status = 303;
    ctx.redirect('/orders');
  });
  open.post('/sign-out', (ctx) => {
    clearTokenCookie(ctx);
    ctx.status = 303;
    ctx.redirect('/sign-in?signed-out');
  });
  open.get('/', (ctx) => ctx.redirect('/orders'));
  app.use(open.routes());

  app.use(requireStaff(authenticate));
  const pages = pageRoutes(config, createServices(config));
  app.use(pages.routes()).use(pages.allowedMethods());
  return app;
}

export async function startConsole(config: ConsoleConfig, log: Logger): Promise<RunningConsole> {
  const server = createConsoleApp(config, log).listen(config.port, '0.0.0.0');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  log.info({ port }, 'console listening');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}
