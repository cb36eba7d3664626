// Observability: Prometheus scrapes every api and worker replica, Grafana's provisioning loads and
// its dashboard queries run, and one order's trace reaches Jaeger with spans of every service.
import { out, fail, until } from './check.mjs';
import { services, containers, published } from './stack.mjs';
import { http, tokenOf, outcome, apis, product, placeOrder, terminal } from './client.mjs';

export async function metrics() {
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
}

export async function trace() {
  const api = await apis();
  const sku = await product(api, 'TRACE', 10);
  const token = await tokenOf('cust-katherine', 'customer');
  const order = await placeOrder(api, token, sku, 1, 'tok_ok');
  const final = await terminal(api, order.id, token);
  if (final.status !== 'confirmed') fail(`the traced order ${order.id} ended ${outcome(final)}`);
  const jaeger = await published('jaeger', 16686);
  const tags = encodeURIComponent(JSON.stringify({ 'messaging.message.conversation_id': order.id }));
  // the saga's services; analytics-service's spans may join the trace too, but it takes no part in the order
  const wantedServices = services.filter((s) => s !== 'analytics-service');
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
}
