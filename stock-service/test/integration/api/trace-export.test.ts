import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { eventually } from '@order-platform/shared/testing';
import { startStockService, type StockService } from '../../support/stock-service.js';

const apiMain = fileURLToPath(new URL('../../../src/api/main.ts', import.meta.url));

interface OtlpExport {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { scope: { name: string }; spans: { name: string; kind: number }[] }[] }[];
}

/** A stand-in OTLP/HTTP collector: keeps every JSON export posted to /v1/traces. */
async function collector(exports: OtlpExport[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') exports.push(JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('stock-service api process with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let stock: StockService;
  let otlp: Server;
  const exports: OtlpExport[] = [];

  before(async () => {
    stock = await startStockService({ worker: false });
    otlp = await collector(exports);
  });

  after(async () => {
    otlp.close();
    await stock.close();
  });

  it('exports a server span per request over OTLP/HTTP under service.name stock-service, flushed when SIGTERM stops it', async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${(otlp.address() as AddressInfo).port}`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', apiMain], {
      env: { ...process.env, ...stock.env, PORT: String(port), OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = once(child, 'exit');
    try {
      await eventually(async () => expect((await fetch(`http://127.0.0.1:${port}/products/NO-SUCH-SKU`)).status).to.equal(404), { timeoutMs: 20_000, intervalMs: 200 });
    } finally {
      child.kill('SIGTERM');
    }
    expect((await exited)[0], 'exit code').to.equal(0);

    const resources = exports.flatMap((e) => e.resourceSpans);
    expect(resources.length).to.be.above(0);
    for (const r of resources) expect(r.resource.attributes).to.deep.include({ key: 'service.name', value: { stringValue: 'stock-service' } });
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => `${s.scope.name}: ${span.name}`)));
    expect(spans).to.include('stock-service: GET /products/:sku');
  });
});
