import Router from '@koa/router';
import type { Context } from 'koa';
import type { ConsoleConfig } from './config.js';
import { readForm } from './form.js';
import { html, type Html } from './html.js';
import { analyticsSection, type Today } from './pages/analytics.js';
import { consumersSection, type ServiceConsumers } from './pages/consumers.js';
import { deadLettersSection, replayResultView, type DeadLetter, type ReplayResult } from './pages/dead-letters.js';
import { layout } from './pages/layout.js';
import { timelineSection } from './pages/order-timeline.js';
import { orderStatuses, ordersTable, ordersView, type OrderFilters, type OrderRow } from './pages/orders.js';
import { serviceNames, type ServiceName, type Services } from './services.js';
import type { Staff } from './session.js';
import { loadTimeline } from './timeline.js';

/** The pages behind sign-in. Each `/…/table` (or `/…/charts`) is the part a page refreshes with htmx. */
export function pageRoutes(config: ConsoleConfig, services: Services): Router {
  const router = new Router();
  const staffOf = (ctx: Context) => ctx.state['staff'] as Staff;
  const page = (ctx: Context, title: string, active: string, body: Html) => {
    ctx.type = 'html';
    ctx.body = layout({ title, active, staff: staffOf(ctx).principal.id, body }).value;
  };
  const fragment = (ctx: Context, body: Html) => {
    ctx.type = 'html';
    ctx.body = body.value;
  };

  const filtersOf = (ctx: Context): OrderFilters => {
    const q = typeof ctx.query['q'] === 'string' ? ctx.query['q'].trim().slice(0, 200) : '';
    const status = typeof ctx.query['status'] === 'string' && (orderStatuses as readonly string[]).includes(ctx.query['status']) ? ctx.query['status'] : '';
    return { q, status };
  };
  const ordersOf = async (ctx: Context, filters: OrderFilters) => {
    const search = new URLSearchParams({ limit: '50', ...(filters.q ? { q: filters.q } : {}), ...(filters.status ? { status: filters.status } : {}) });
    return ordersTable(await services.call<{ items: OrderRow[]; nextCursor: string | null }>('order', `/orders?${search}`, staffOf(ctx).token), filters, new Date());
  };
  router.get('/orders', async (ctx) => {
    const filters = filtersOf(ctx);
    page(ctx, 'Orders', '/orders', ordersView(filters, await ordersOf(ctx, filters)));
  });
  router.get('/orders/table', async (ctx) => fragment(ctx, await ordersOf(ctx, filtersOf(ctx))));

  const timelineOf = async (ctx: Context, id: string) => timelineSection(id, await loadTimeline(services, staffOf(ctx).token, id), config.jaegerUrl, new Date());
  router.get('/orders/:id', async (ctx) => {
    const id = ctx.params['id']!;
    page(ctx, `Order ${id}`, '/orders', html`<p><a href="/orders">← orders</a></p>${await timelineOf(ctx, id)}`);
  });
  router.get('/orders/:id/timeline', async (ctx) => fragment(ctx, await timelineOf(ctx, ctx.params['id']!)));

  const consumersOf = async (ctx: Context) =>
    consumersSection(await Promise.all(serviceNames.map((s) => services.call<ServiceConsumers>(s, '/admin/consumers', staffOf(ctx).token))), new Date());
  router.get('/consumers', async (ctx) => page(ctx, 'Consumers and outboxes', '/consumers', await consumersOf(ctx)));
  router.get('/consumers/table', async (ctx) => fragment(ctx, await consumersOf(ctx)));

  const deadLettersOf = async (ctx: Context) =>
    deadLettersSection(
      await Promise.all(serviceNames.map(async (s) => ({ service: s, label: services.label(s), answer: await services.call<{ deadLetters: DeadLetter[] }>(s, '/admin/dead-letters', staffOf(ctx).token) }))),
    );
  router.get('/dead-letters', async (ctx) => page(ctx, 'Dead letters', '/dead-letters', html`<div id="replay-result"></div>${await deadLettersOf(ctx)}`));
  router.get('/dead-letters/table', async (ctx) => fragment(ctx, await deadLettersOf(ctx)));
  router.post('/dead-letters/replay', async (ctx) => {
    const result = replayResultView(await replay(services, staffOf(ctx).token, await readForm(ctx)));
    if (ctx.get('HX-Request')) {
      ctx.set('HX-Trigger', 'dead-letters-changed'); // the list refreshes at once
      return fragment(ctx, result);
    }
    page(ctx, 'Dead letters', '/dead-letters', html`<div id="replay-result">${result}</div>${await deadLettersOf(ctx)}`);
  });

  const analyticsOf = async (ctx: Context) => analyticsSection(await services.call<Today>('analytics', '/analytics/today', staffOf(ctx).token), new Date());
  router.get('/analytics', async (ctx) => page(ctx, 'Today', '/analytics', await analyticsOf(ctx)));
  router.get('/analytics/charts', async (ctx) => fragment(ctx, await analyticsOf(ctx)));
  return router;
}

/** One dead letter (service + seq) or, with `all`, every service's. */
async function replay(services: Services, token: string, form: URLSearchParams): Promise<ReplayResult[]> {
  const call = (s: ServiceName, body: unknown) => services.call<{ replayed: number[]; failed: { seq: number; error: string }[] }>(s, '/admin/dead-letters/replay', token, { method: 'POST', body });
  if (form.get('all') === '1') {
    return Promise.all(serviceNames.map(async (s) => ({ service: services.label(s), answer: await call(s, { all: true }) })));
  }
  const service = serviceNames.find((s) => s === form.get('service'));
  const seq = Number(form.get('seq'));
  if (!service || !Number.isSafeInteger(seq) || seq < 1) return [];
  return [{ service: services.label(service), answer: await call(service, { seqs: [seq] }) }];
}
