#!/usr/bin/env node
// flow.mjs CHECK [args]: one check of the compose smoke test against the running stack, as a client
// on this machine sees it (published ports, bearer tokens), plus `docker inspect` / `docker exec`
// where only the engine can tell (container states, a worker replica's own metrics). Run by run.sh,
// which sets COMPOSE_SMOKE_DC (the docker-compose command with the derived file) and
// COMPOSE_SMOKE_PROJECT. Exits non-zero with the reason on the first thing that is not as it should be.
//
//   healthy PROFILE… [--order]  every service of those profiles has its containers up and healthy,
//                               migrators exited 0 (--order: and finished before their api and worker started)
//   ports                       every published port is on 127.0.0.1; NATS's client port is not published
//   orders                      confirmed, declined, and cancelled-after-confirmation orders; their mails
//   scale N                     N orders; every payment-service-worker replica handles some
//   streams                     the stream report through the app image (docker-compose run), and no dead letters
//   metrics                     Prometheus targets: every api and worker replica up; Grafana's provisioning
//   trace                       one order's trace, across the services, in Jaeger's query API
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { issueToken } from '@order-platform/shared';

const run = promisify(execFile);
const dc = (process.env.COMPOSE_SMOKE_DC ?? '').split(' ').filter(Boolean);
const project = process.env.COMPOSE_SMOKE_PROJECT;
if (dc.length === 0 || !project) throw new Error('run me through deploy/compose-smoke/run.sh');
const composeFile = dc[dc.indexOf('-f') + 1];
const compose = parse(readFileSync(composeFile, 'utf8'));
const services = ['order-service', 'stock-service', 'payment-service', 'notification-service'];

const out = (line) => process.stdout.write(`    ${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
class Failure extends Error {}
const fail = (message) => { throw new Failure(message); };
async function until(what, fn, timeoutMs, everyMs = 500) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last && !(last instanceof Error)) return last;
    } catch (error) {
      if (error instanceof Failure) throw error;
      last = error;
    }
    if (Date.now() > deadline) fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`);
    await sleep(everyMs);
  }
}

const docker = async (...args) => (await run('docker', args, { maxBuffer: 64 << 20 })).stdout;
const compose$ = async (...args) => (await run(dc[0], [...dc.slice(1), ...args], { maxBuffer: 64 << 20 })).stdout;
async function containers() {
  const ids = (await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`)).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  return JSON.parse(await docker('inspect', ...ids))
    .filter((c) => c.Config.Labels['com.docker.compose.oneoff'] !== 'True')
    .map((c) => ({
      id: c.Id.slice(0, 12), name: c.Name.slice(1), service: c.Config.Labels['com.docker.compose.service'],
      state: c.State, health: c.State.Health?.Status, ports: c.NetworkSettings.Ports ?? {},
    }));
}
const hostPorts = new Map();
/** host address of a published container port (Docker picked the host port) */
async function published(service, port) {
  const key = `${service}:${port}`;
  if (!hostPorts.has(key)) {
    const answer = (await compose$('port', service, String(port))).trim();
    if (!/^127\.0\.0\.1:\d+$/.test(answer)) fail(`${service}:${port} is published at "${answer}", not on 127.0.0.1`);
    hostPorts.set(key, `http://${answer}`);
  }
  return hostPorts.get(key);
}
/** one HTTP call; a 429 (rate limited) is waited out as its Retry-After says, for up to 30 s */
async function http(method, url, { token, body, expect, headers = {} } = {}) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(url, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (response.status === 429 && Date.now() < deadline) {
      await sleep(Math.min(5, Number(response.headers.get('retry-after')) || 1) * 1000);
      continue;
    }
    let parsed;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
    if (expect && !expect.includes(response.status)) fail(`${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
    return { status: response.status, body: parsed };
  }
}

// ---------------------------------------------------------------------------------------------------
const checks = {
  async healthy(...args) {
    const order = args.includes('--order');
    const profiles = args.filter((a) => !a.startsWith('--'));
    const wanted = Object.entries(compose.services)
      .filter(([, s]) => !s.profiles || s.profiles.some((p) => profiles.includes(p)))
      .map(([name, s]) => ({ name, oneShot: s.restart === 'no', hasHealthcheck: Boolean(s.healthcheck) }));
    let all = [];
    await until(`${profiles.join(' + ')} to be healthy`, async () => {
      all = await containers();
      const waiting = [];
      for (const w of wanted) {
        const own = all.filter((c) => c.service === w.name);
        if (own.length === 0) { waiting.push(`${w.name} (no container)`); continue; }
        for (const c of own) {
          if (w.oneShot) {
            if (c.state.Status === 'exited' && c.state.ExitCode !== 0) {
              const { stderr, stdout } = await run('docker', ['logs', '--tail', '15', c.id]);
              fail(`${c.name} exited ${c.state.ExitCode}:\n${(stdout + stderr).trim()}`);
            }
            if (c.state.Status !== 'exited') waiting.push(`${c.name} (${c.state.Status})`);
          } else if (c.state.Status !== 'running' || (w.hasHealthcheck && c.health !== 'healthy')) {
            waiting.push(`${c.name} (${c.state.Status}${c.health ? `, ${c.health}` : ''}${c.state.Restarting ? ', restarting' : ''})`);
          }
        }
      }
      return waiting.length === 0 ? true : new Error(`not yet: ${waiting.join(', ')}`);
    }, 200_000, 1000);
    const running = all.filter((c) => c.state.Status === 'running');
    out(`${running.length} containers running and healthy, ${all.length - running.length} migrators exited 0`);
    if (order) {
      for (const service of services) {
        const migrate = all.find((c) => c.service === `${service}-migrate`);
        const finished = Date.parse(migrate.state.FinishedAt);
        const lines = [];
        for (const role of ['api', 'worker']) {
          for (const c of all.filter((x) => x.service === `${service}-${role}`)) {
            const started = Date.parse(c.state.StartedAt);
            if (!(started >= finished)) fail(`${c.name} started at ${c.state.StartedAt}, before ${migrate.name} finished (${migrate.state.FinishedAt})`);
            lines.push(`${role} +${((started - finished) / 1000).toFixed(1)} s`);
          }
        }
        out(`${migrate.name}: exit 0 at ${migrate.state.FinishedAt.slice(11, 23)}; then ${lines.join(', ')}`);
      }
    }
  },

  async ports() {
    const seen = [];
    for (const c of (await containers()).filter((x) => x.state.Status === 'running')) {
      for (const [port, bindings] of Object.entries(c.ports)) {
        for (const b of bindings ?? []) {
          if (b.HostIp !== '127.0.0.1') fail(`${c.name} publishes ${port} on ${b.HostIp || 'every interface'}:${b.HostPort}`);
          if (c.service === 'nats' && port === '4222/tcp') fail('nats publishes its client port 4222 (docker-compose.yml should not)');
          seen.push(`${c.service} ${port.replace('/tcp', '')}`);
        }
      }
    }
    if (seen.length === 0) fail('nothing is published at all');
    out(`${seen.length} published ports, all on 127.0.0.1: ${seen.sort().join(', ')}`);
  },

  async orders() {
    const api = await apis();
    const sku = await product(api, 'SMOKE', 1000);
    const paths = [
      { path: 'confirmed', customer: 'cust-ada', card: 'tok_ok', expect: 'confirmed', subjects: 1 },
      { path: 'declined', customer: 'cust-grace', card: 'tok_declined', expect: 'cancelled/payment_declined', subjects: 1 },
      { path: 'cancelled after confirmation', customer: 'cust-alan', card: 'tok_ok', expect: 'cancelled/customer_request', subjects: 3, cancelAfterConfirm: true, payment: 'refunded' },
    ];
    const mailpit = await published('mailpit', 8025);
    for (const p of paths) {
      const token = await tokenOf(p.customer, 'customer');
      const t0 = Date.now();
      const order = await placeOrder(api, token, sku, 1, p.card);
      let final = await terminal(api, order.id, token);
      const firstMs = Date.now() - t0;
      if (p.cancelAfterConfirm) {
        if (final.status !== 'confirmed') fail(`order ${order.id} (${p.path}) ended ${outcome(final)} before it could be cancelled`);
        await http('POST', `${api.order}/orders/${order.id}/cancel`, { token, expect: [200, 202] });
        final = await until(`order ${order.id} to be cancelled`, async () => {
          const { body } = await http('GET', `${api.order}/orders/${order.id}`, { token, expect: [200] });
          return body.status === 'cancelled' ? body : undefined;
        }, 30_000, 200);
      }
      if (outcome(final) !== p.expect) fail(`order ${order.id} (${p.path}) ended ${outcome(final)}, expected ${p.expect}`);
      if (p.payment) {
        await until(`the payment of ${order.id} to be ${p.payment}`, async () => {
          const { body } = await http('GET', `${api.payment}/payments?orderId=${order.id}`, { token: await admin(), expect: [200] });
          const payments = body.items ?? body;
          return payments.some((x) => x.status === p.payment);
        }, 30_000);
      }
      const email = `${p.customer.slice(5)}@customers.example`;
      const mails = await until(`${p.subjects} mail(s) about ${order.id} in Mailpit`, async () => {
        const { body } = await http('GET', `${mailpit}/api/v1/messages`, { expect: [200] });
        const found = body.messages.filter((m) => m.Subject.includes(order.id));
        return found.length >= p.subjects ? found : undefined;
      }, 30_000);
      for (const m of mails) if (!m.To.some((t) => t.Address === email)) fail(`mail "${m.Subject}" went to ${m.To.map((t) => t.Address)}, not ${email}`);
      out(`${p.path.padEnd(29)} ${order.id}  ${outcome(final).padEnd(27)} (first outcome in ${firstMs} ms)`);
      for (const m of mails.reverse()) out(`${''.padEnd(29)} mail to ${email}: ${m.Subject}`);
    }
  },

  async scale(n) {
    const count = Number(n ?? 60);
    const api = await apis();
    const sku = await product(api, 'SCALE', count * 2);
    const replicas = (await containers()).filter((c) => c.service === 'payment-service-worker' && c.state.Status === 'running');
    if (replicas.length !== 3) fail(`${replicas.length} payment-service-worker replicas run, expected 3`);
    const before = await Promise.all(replicas.map(charges));
    // a dozen shoppers (the stub directory makes up their addresses), so no one customer's rate limit is what is measured
    const customers = Array.from({ length: 12 }, (_, i) => `smoke-shopper-${i + 1}`);
    const t0 = Date.now();
    const ids = [];
    for (let i = 0; i < count; i += 10) {
      ids.push(...(await Promise.all(Array.from({ length: Math.min(10, count - i) }, async (_, j) => {
        const token = await tokenOf(customers[(i + j) % customers.length], 'customer');
        return { id: (await placeOrder(api, token, sku, 1, 'tok_ok')).id, token };
      }))));
    }
    const finals = await Promise.all(ids.map(({ id, token }) => terminal(api, id, token, 120_000)));
    const notConfirmed = finals.filter((o) => o.status !== 'confirmed');
    if (notConfirmed.length) fail(`${notConfirmed.length} of ${count} orders did not confirm: ${notConfirmed.slice(0, 3).map(outcome)}`);
    out(`${count} orders confirmed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const after = await until('every replica to report its charges', async () => {
      const now = await Promise.all(replicas.map(charges));
      const total = now.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0);
      return total >= count ? now : new Error(`${total} of ${count} charges counted`);
    }, 20_000);
    const spread = replicas.map((r, i) => after[i] - before[i]);
    out(`charges (payment-service-stock-reserved handled) per replica: ${replicas.map((r, i) => `${r.name} ${spread[i]}`).join(', ')} = ${spread.join('/')}`);
    if (spread.some((x) => x === 0)) fail(`a payment-service-worker replica handled none of the ${count} charges: ${spread.join('/')}`);
  },

  async streams() {
    // the migrator's container, as the operators' NATS user: what `docker compose run nats-box nats stream report` shows
    const tool = async (...command) => (await run(dc[0], [...dc.slice(1), '--profile', 'app', 'run', '--rm', '--no-deps', '-T', 'order-service-migrate', ...command], { maxBuffer: 16 << 20 })).stdout;
    const report = await tool('migrator/dist/src/streams.js');
    for (const line of report.trim().split('\n')) out(line);
    for (const expected of ['ORDERS', 'STOCK', 'PAYMENTS', 'DLQ', 'payment-service-stock-reserved', 'stock-service-orders-created', 'order-service-payments-captured', 'notification-service-orders-confirmed']) {
      if (!report.includes(expected)) fail(`the stream report does not mention ${expected}`);
    }
    // none of the orders so far (every one of them a normal path) may have left a dead letter
    const dlq = await tool('migrator/dist/src/dlq.js', 'list');
    if (!/no dead letters/i.test(dlq)) fail(`dead letters after normal orders:\n${dlq.trim()}`);
    out('make dlq equivalent: no dead letters');
  },

  async metrics() {
    const prometheus = await published('prometheus', 9090);
    const workers = (await containers()).filter((c) => c.service.endsWith('-worker') && c.state.Status === 'running');
    const expected = { api: services.length, worker: workers.length };
    const targets = await until(`Prometheus to scrape ${expected.api} apis and ${expected.worker} workers`, async () => {
      const { body } = await http('GET', `${prometheus}/api/v1/targets`, { expect: [200] });
      const active = body.data.activeTargets;
      const up = (job) => active.filter((t) => t.labels.job === job && t.health === 'up');
      return up('api').length === expected.api && up('worker').length === expected.worker
        ? active : new Error(`up: api ${up('api').length}/${expected.api}, worker ${up('worker').length}/${expected.worker}; ${active.filter((t) => t.health !== 'up').map((t) => `${t.discoveredLabels?.__meta_dns_name ?? t.scrapeUrl} ${t.health} ${t.lastError ?? ''}`).join('; ')}`);
    }, 120_000, 2000);
    for (const job of ['api', 'worker']) {
      const own = targets.filter((t) => t.labels.job === job);
      const byName = new Map();
      for (const t of own) byName.set(t.discoveredLabels.__meta_dns_name, (byName.get(t.discoveredLabels.__meta_dns_name) ?? 0) + 1);
      out(`job ${job}: ${own.length} targets up: ${[...byName].map(([name, k]) => (k > 1 ? `${name} ×${k}` : name)).join(', ')}`);
    }
    // the series carry the service and process labels the dashboard filters on
    const { body: q } = await http('GET', `${prometheus}/api/v1/query?query=${encodeURIComponent('count by (service, process) (process_start_time_seconds)')}`, { expect: [200] });
    const own = q.data.result.filter((r) => r.metric.service).map((r) => `${r.metric.service.replace('-service', '')}/${r.metric.process}${r.value[1] === '1' ? '' : ` ×${r.value[1]}`}`);
    out(`series by service/process: ${own.sort().join(', ')}`);
    // Grafana (stand-in): its provisioning as mounted, and the Prometheus datasource's address from inside the network
    const grafana = await published('grafana', 3000);
    const { body: search } = await http('GET', `${grafana}/api/search`, { expect: [200] });
    if (!search.some((d) => d.title === 'Order platform')) fail(`Grafana has no "Order platform" dashboard: ${JSON.stringify(search)}`);
    const { body: dashboard } = await http('GET', `${grafana}/api/dashboards/uid/${search.find((d) => d.title === 'Order platform').uid}`, { expect: [200] });
    const exprs = dashboard.dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).filter(Boolean);
    for (const expr of exprs) {
      const query = expr.replaceAll('$__rate_interval', '1m').replace(/\$\{?service\}?/g, '.*');
      const { body } = await http('GET', `${grafana}/api/datasources/proxy/uid/prometheus/api/v1/query?query=${encodeURIComponent(query)}`, { expect: [200] });
      if (body.status !== 'success') fail(`dashboard query failed: ${expr}: ${JSON.stringify(body)}`);
    }
    out(`Grafana: dashboard "Order platform" provisioned; its ${exprs.length} queries run through the Prometheus datasource (http://prometheus:9090)`);
  },

  async trace() {
    const api = await apis();
    const sku = await product(api, 'TRACE', 10);
    const token = await tokenOf('cust-katherine', 'customer');
    const order = await placeOrder(api, token, sku, 1, 'tok_ok');
    const final = await terminal(api, order.id, token);
    if (final.status !== 'confirmed') fail(`the traced order ${order.id} ended ${outcome(final)}`);
    const jaeger = await published('jaeger', 16686);
    const tags = encodeURIComponent(JSON.stringify({ 'messaging.message.conversation_id': order.id }));
    const wantedServices = services;
    const trace = await until(`the trace of ${order.id} in Jaeger, with spans of ${wantedServices.join(', ')}`, async () => {
      const { body } = await http('GET', `${jaeger}/api/traces?service=order-service&tags=${tags}&limit=5&lookback=1h`, { expect: [200] });
      const found = body.data?.[0];
      if (!found) return new Error('no trace yet');
      const { body: full } = await http('GET', `${jaeger}/api/traces/${found.traceID}`, { expect: [200] });
      const t = full.data[0];
      const names = new Set(Object.values(t.processes).map((p) => p.serviceName));
      const missing = wantedServices.filter((s) => !names.has(s));
      const ops = new Set(t.spans.map((s) => s.operationName));
      if (!ops.has('orders.confirmed process')) missing.push('an "orders.confirmed process" span');
      return missing.length ? new Error(`trace ${t.traceID} lacks ${missing.join(', ')}`) : t;
    }, 60_000, 1000);
    const proc = (s) => trace.processes[s.processID].serviceName;
    out(`order ${order.id}: trace ${trace.traceID}, ${trace.spans.length} spans from ${[...new Set(trace.spans.map(proc))].join(', ')}`);
    const ordered = [...trace.spans].sort((a, b) => a.startTime - b.startTime);
    out(ordered.slice(0, 12).map((s) => `${proc(s).replace('-service', '')}: ${s.operationName}`).join(' → ') + (ordered.length > 12 ? ' → …' : ''));
  },
};

// ---------------------------------------------------------------------------------------------------
const tokens = new Map();
async function tokenOf(sub, role) {
  if (!tokens.has(sub)) tokens.set(sub, await issueToken(process.env.JWT_SECRET, { sub, roles: [role] }));
  return tokens.get(sub);
}
const admin = () => tokenOf('smoke-staff', 'admin');
const outcome = (o) => (o.status === 'cancelled' ? `cancelled/${o.cancellationReason ?? o.reason ?? '?'}` : o.status);

async function apis() {
  return {
    order: await published('order-service-api', 3001),
    stock: await published('stock-service-api', 3002),
    payment: await published('payment-service-api', 3003),
    notification: await published('notification-service-api', 3004),
  };
}

/** a product with plenty of stock, created by staff (placeOrder waits for order-service to know it) */
async function product(api, name, onHand) {
  const sku = `${name}-${Date.now().toString(36)}`.toUpperCase();
  await http('POST', `${api.stock}/products`, { token: await admin(), body: { sku, name, price: { amount: 1250, currency: 'EUR' }, onHand }, expect: [201] });
  await until(`${sku} to be in stock-service's catalog`, async () => (await http('GET', `${api.stock}/products/${sku}`)).status === 200, 10_000, 100);
  return sku;
}

/**
 * As a client does it: the customer hands the card token to payment-service (POST /payment-methods),
 * then places the order naming that payment method (POST /orders), retried with the same
 * Idempotency-Key while order-service's catalog has not caught up with the new product.
 */
async function placeOrder(api, token, sku, quantity, card) {
  const { body: method } = await http('POST', `${api.payment}/payment-methods`, { token, body: { type: 'card', token: card }, expect: [201] });
  const key = `smoke-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return until(`order-service to accept an order for ${sku}`, async () => {
    const { status, body } = await http('POST', `${api.order}/orders`, {
      token, headers: { 'idempotency-key': key },
      body: { items: [{ sku, quantity }], payment: { method: 'card', paymentMethodId: method.id } },
    });
    if (status === 202 || status === 201) return body;
    if (status >= 500 || status === 401 || status === 403) fail(`POST /orders: ${status} ${JSON.stringify(body)}`);
    return new Error(`POST /orders: ${status} ${body?.detail ?? body?.title ?? ''}`);
  }, 15_000, 200);
}

async function terminal(api, id, token, timeoutMs = 30_000) {
  return until(`order ${id} to be confirmed or cancelled`, async () => {
    const { body } = await http('GET', `${api.order}/orders/${id}`, { token, expect: [200] });
    return ['confirmed', 'cancelled'].includes(body.status) ? body : new Error(`still ${body.status}`);
  }, timeoutMs, 150);
}

/** what one payment-service-worker replica says it charged: its own /metrics, read inside it */
async function charges(replica) {
  const text = await docker('exec', replica.id, 'node', '-e', "fetch('http://127.0.0.1:9464/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))");
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('consumer_messages_total{') && line.includes('consumer="payment-service-stock-reserved"') && line.includes('outcome="handled"')) {
      total += Number(line.split(' ').at(-1));
    }
  }
  return total;
}

const [name, ...args] = process.argv.slice(2);
if (!checks[name]) {
  console.error(`usage: flow.mjs ${Object.keys(checks).join('|')} [args]`);
  process.exit(64);
}
try {
  await checks[name](...args);
} catch (error) {
  console.error(`    FAIL ${name}: ${error instanceof Failure ? error.message : error.stack}`);
  process.exit(1);
}
