// analytics-service in the stack: its worker healthy and caught up on every durable consumer, each
// order of the `orders` check's events handled, and its figures for today counting those orders.
import { out, fail, until } from './check.mjs';
import { docker, containers } from './stack.mjs';
import { http, admin, tokenOf, apis } from './client.mjs';
import { smokeOrders } from './order-checks.mjs';

export async function analytics() {
  const api = await apis();
  const token = await admin();
  const placed = smokeOrders();

  // the worker: healthy as Docker sees it, ready as it says itself (database and NATS), and its
  // consumers (listed by the api, which shares the descriptor) all there and drained
  const workers = (await containers()).filter((c) => c.service === 'analytics-service-worker' && c.state.Status === 'running');
  if (workers.length === 0) fail('no analytics-service-worker container runs');
  for (const w of workers) {
    if (w.health !== 'healthy') fail(`${w.name} is ${w.health ?? 'without a healthcheck'}, not healthy`);
    const ready = await docker('exec', w.id, 'node', '-e', "fetch('http://127.0.0.1:9464/readyz').then(async (r) => { process.stdout.write(r.status + ' ' + (await r.text())); })");
    if (!ready.startsWith('200')) fail(`${w.name}: GET /readyz answered ${ready}`);
  }
  const consumers = await until('analytics-service\'s consumers to have nothing pending', async () => {
    const { body } = await http('GET', `${api.analytics}/admin/consumers`, { token, expect: [200] });
    const own = body.consumers.filter((c) => c.durable.startsWith('analytics-service-'));
    if (own.length < 10) return new Error(`${own.length} analytics-service consumers: ${own.map((c) => c.durable)}`);
    const behind = own.filter((c) => c.pending > 0 || c.ackPending > 0);
    return behind.length ? new Error(`behind: ${behind.map((c) => `${c.durable} ${c.pending}+${c.ackPending}`).join(', ')}`) : own;
  }, 30_000, 500);
  out(`${workers.map((w) => w.name).join(', ')} healthy and ready; ${consumers.length} durable consumers, none behind`);

  // each smoke order's events were applied by its consumers: created, confirmed (if it was), cancelled (if it is)
  const wantedEvents = (o) => ['orders.created', ...(o.confirmed ? ['orders.confirmed'] : []), ...(o.outcome.startsWith('cancelled') ? ['orders.cancelled'] : [])];
  for (const o of placed) {
    await until(`analytics-service to have handled ${wantedEvents(o).join(', ')} of ${o.id}`, async () => {
      const { body } = await http('GET', `${api.analytics}/admin/orders/${o.id}/records`, { token, expect: [200] });
      const missing = wantedEvents(o).filter((t) => !body.handled.some((h) => h.subject === t && h.consumer === `analytics-service-${t.replace('.', '-')}`));
      return missing.length ? new Error(`not yet: ${missing.join(', ')}`) : true;
    }, 30_000);
  }
  out(`handled per order (GET /admin/orders/:id/records): ${placed.map((o) => `${o.id.slice(0, 8)} ${wantedEvents(o).map((t) => t.split('.')[1]).join('+')}`).join('; ')}`);

  // today's figures count them; earlier orders of the same day could only add to them
  const expected = {
    placed: placed.length,
    confirmed: placed.filter((o) => o.confirmed).length,
    cancelled: placed.filter((o) => o.outcome.startsWith('cancelled')).length,
  };
  const byReason = {};
  for (const o of placed) if (o.outcome.startsWith('cancelled/')) byReason[o.outcome.slice(10)] = (byReason[o.outcome.slice(10)] ?? 0) + 1;
  const today = await until(`GET /analytics/today to count ${expected.placed} placed, ${expected.confirmed} confirmed, ${expected.cancelled} cancelled`, async () => {
    const { body } = await http('GET', `${api.analytics}/analytics/today`, { token, expect: [200] });
    const short = Object.entries(expected).filter(([k, n]) => body.orders[k] < n).map(([k, n]) => `${k} ${body.orders[k]} < ${n}`);
    short.push(...Object.entries(byReason).filter(([r, n]) => (body.orders.cancelledByReason[r] ?? 0) < n).map(([r, n]) => `cancelled/${r} ${body.orders.cancelledByReason[r] ?? 0} < ${n}`));
    return short.length ? new Error(short.join(', ')) : body;
  }, 30_000);
  // nothing else ordered today in a fresh stack: the figures are exactly the smoke's, unless the run crosses midnight UTC
  if (today.orders.placed === expected.placed && (today.orders.confirmed !== expected.confirmed || today.orders.cancelled !== expected.cancelled)) {
    fail(`today counts ${JSON.stringify(today.orders)} for exactly the smoke's ${expected.placed} orders, expected ${JSON.stringify(expected)}`);
  }
  out(`GET /analytics/today: ${today.orders.placed} placed, ${today.orders.confirmed} confirmed, ${today.orders.cancelled} cancelled ${JSON.stringify(today.orders.cancelledByReason)}; revenue ${today.revenue.map((r) => `${r.currency} ${r.net}`).join(', ') || 'none'}`);
  const { status } = await http('GET', `${api.analytics}/analytics/today`, { token: await tokenOf('cust-ada', 'customer') });
  if (status !== 403) fail(`GET /analytics/today with a customer's token answered ${status}, not 403`);
  out('a customer\'s token: 403');
}
