// The five services' API documents on one page (`make dev` serves it on :3000, DEV_DOCS_PORT):
// Swagger UI with a picker of documents (its `urls` option). Each document is served here under
// /<service>/openapi.json with `servers: [{ url: '/<service>' }]`, and /<service>/* is passed
// through to that api, so "Try it out" works from this page without CORS on the apis.
import { createReadStream } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { swaggerUiAssets, swaggerUiPage } from '@order-platform/shared';

/**
 * @param {{ port: number, host?: string, apis: { name: string, url: string }[] }} options
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startDocsOverview({ port, host = '127.0.0.1', apis }) {
  const page = swaggerUiPage({
    title: 'Order platform APIs',
    assets: '/assets',
    urls: apis.map((api) => ({ name: api.name, url: `/${api.name}/openapi.json` })),
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://overview');
    if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', page);
    const asset = url.pathname.match(/^\/assets\/([^/]+)$/)?.[1];
    if (asset) {
      const type = Object.hasOwn(swaggerUiAssets.types, asset) ? swaggerUiAssets.types[asset] : undefined;
      if (!type) return send(res, 404, 'text/plain', 'not found');
      res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=3600' });
      return void createReadStream(join(swaggerUiAssets.dir, asset)).pipe(res);
    }
    const api = apis.find((a) => url.pathname.startsWith(`/${a.name}/`));
    if (!api) return send(res, 404, 'text/plain', 'not found');
    const rest = req.url.slice(api.name.length + 1);
    if (rest === '/openapi.json') return void serveDocument(api, res);
    pass(req, res, new URL(rest, api.url));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    url: `http://${host}:${server.address().port}`,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

async function serveDocument(api, res) {
  try {
    const doc = await (await fetch(`${api.url}/openapi.json`)).json();
    send(res, 200, 'application/json', JSON.stringify({ ...doc, servers: [{ url: `/${api.name}`, description: `${api.url}, through this page` }] }));
  } catch (error) {
    send(res, 502, 'text/plain', `${api.name} at ${api.url} does not answer: ${error.message}`);
  }
}

function pass(req, res, target) {
  const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (error) => send(res, 502, 'text/plain', `${target.origin} does not answer: ${error.message}`));
  req.pipe(upstream);
}

function send(res, status, type, body) {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

// node scripts/docs-overview.mjs: the page for apis already running on the `make dev` ports
if (import.meta.url === `file://${process.argv[1]}`) {
  const { services } = await import('./stack.mjs');
  const overview = await startDocsOverview({
    port: Number(process.env.DEV_DOCS_PORT ?? 3000),
    apis: services.map((s) => ({ name: s.dir, url: `http://127.0.0.1:${s.port}` })),
  });
  process.stdout.write(`API docs of every service: ${overview.url}\n`);
}
