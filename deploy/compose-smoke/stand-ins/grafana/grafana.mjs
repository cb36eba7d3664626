// TEST STAND-IN for Grafana (compose smoke test only). What it does: at start, reads the
// provisioning files under $GF_PATHS_PROVISIONING as Grafana would (datasources/*.yml,
// dashboards/*.yml and every dashboard JSON in each provider's options.path) and exits non-zero if
// any is missing or does not parse; then serves on :3000 GET /api/health, GET /api/search (the
// provisioned dashboards), GET /api/dashboards/uid/:uid, GET /api/datasources, and
// /api/datasources/proxy/uid/:uid/<path>, which forwards to the datasource's url as Grafana's
// proxy access does (so a query there proves the datasource's address works from inside the
// network). What it does not: render anything, evaluate panels, users, the UI, or any other route.
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = process.env.GF_PATHS_PROVISIONING ?? '/etc/grafana/provisioning';
const yamlFiles = (dir) => readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => parse(readFileSync(join(dir, f), 'utf8')));
const datasources = yamlFiles(join(root, 'datasources')).flatMap((f) => f.datasources ?? []);
const dashboards = [];
for (const provider of yamlFiles(join(root, 'dashboards')).flatMap((f) => f.providers ?? [])) {
  const path = provider.options?.path;
  for (const file of readdirSync(path).filter((f) => f.endsWith('.json'))) {
    const json = JSON.parse(readFileSync(join(path, file), 'utf8'));
    dashboards.push({ provider: provider.name, folder: provider.folder ?? '', file, json });
  }
}
if (datasources.length === 0 || dashboards.length === 0) {
  console.error(JSON.stringify({ msg: 'nothing provisioned', datasources: datasources.length, dashboards: dashboards.length }));
  process.exit(1);
}
console.log(JSON.stringify({ msg: 'grafana stand-in: provisioned', datasources: datasources.map((d) => d.name), dashboards: dashboards.map((d) => d.json.title) }));

const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  if (url.pathname === '/api/health') return send(res, 200, { database: 'ok', version: 'stand-in' });
  if (url.pathname === '/api/search') {
    return send(res, 200, dashboards.map((d) => ({ uid: d.json.uid, title: d.json.title, type: 'dash-db', folderTitle: d.folder })));
  }
  const dash = /^\/api\/dashboards\/uid\/([\w-]+)$/.exec(url.pathname);
  if (dash) {
    const d = dashboards.find((x) => x.json.uid === dash[1]);
    return d ? send(res, 200, { dashboard: d.json, meta: { provisioned: true, folderTitle: d.folder } }) : send(res, 404, { message: 'Dashboard not found' });
  }
  if (url.pathname === '/api/datasources') return send(res, 200, datasources.map(({ name, uid, type, url: u, isDefault }) => ({ name, uid, type, url: u, isDefault: Boolean(isDefault) })));
  const proxy = /^\/api\/datasources\/proxy\/uid\/([\w-]+)(\/.*)$/.exec(url.pathname);
  if (proxy) {
    const ds = datasources.find((x) => x.uid === proxy[1]);
    if (!ds) return send(res, 404, { message: 'Data source not found' });
    try {
      const upstream = await fetch(new URL(proxy[2] + url.search, ds.url), { signal: AbortSignal.timeout(10_000) });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
      return res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch (error) {
      return send(res, 502, { message: `bad gateway: ${error.cause?.code ?? error.message}` });
    }
  }
  send(res, 404, { message: `the Grafana stand-in does not serve ${url.pathname}` });
}).listen(3000, '0.0.0.0');
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
