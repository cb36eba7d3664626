// TEST STAND-IN for Jaeger (compose smoke test only). What it does: accepts OTLP/HTTP trace exports
// in JSON (POST :4318/v1/traces, the encoding of the services' exporter), keeps the spans in memory
// (the newest 50,000), and answers the parts of Jaeger's query API the smoke test reads on :16686:
// GET /api/services, GET /api/traces?service=…[&operation=…][&tags={"k":"v"}][&limit=…] and
// GET /api/traces/:traceId, in Jaeger's JSON shape (spans, references, tags, processes).
// What it does not: OTLP protobuf or gRPC (:4317), sampling, storage, the UI, or dependencies.
// Command-line arguments (the compose file's --set flags for the real Jaeger) are ignored.
import { createServer } from 'node:http';

const MAX_SPANS = 50_000;
/** @type {Array<{ traceID: string, spanID: string, parentSpanID: string, operationName: string, startTime: number, duration: number, tags: Array<{ key: string, type: string, value: unknown }>, service: string }>} */
let spans = [];

// ids arrive as hex (OTLP/JSON) or, from some exporters, base64
const hexId = (id, bytes) => (!id ? '' : new RegExp(`^[0-9a-f]{${bytes * 2}}$`, 'i').test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex'));
const valueOf = (v) => v.stringValue ?? v.boolValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? JSON.stringify(v);
const tagsOf = (attributes = []) => attributes.map((a) => {
  const value = valueOf(a.value ?? {});
  return { key: a.key, type: typeof value === 'number' ? 'int64' : typeof value === 'boolean' ? 'bool' : 'string', value };
});
const micros = (nanos) => Math.floor(Number(BigInt(nanos ?? 0) / 1000n));

function ingest(body) {
  let count = 0;
  for (const rs of body.resourceSpans ?? []) {
    const resource = tagsOf(rs.resource?.attributes);
    const service = String(resource.find((t) => t.key === 'service.name')?.value ?? 'unknown_service');
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const start = micros(s.startTimeUnixNano);
        spans.push({
          traceID: hexId(s.traceId, 16), spanID: hexId(s.spanId, 8), parentSpanID: hexId(s.parentSpanId, 8),
          operationName: s.name, startTime: start, duration: Math.max(0, micros(s.endTimeUnixNano) - start),
          tags: [...tagsOf(s.attributes), { key: 'span.kind', type: 'string', value: ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'][s.kind ?? 0] ?? 'internal' }],
          service,
        });
        count += 1;
      }
    }
  }
  if (spans.length > MAX_SPANS) spans = spans.slice(-MAX_SPANS);
  return count;
}

function traceOf(traceID) {
  const own = spans.filter((s) => s.traceID === traceID);
  const processes = {};
  const ids = new Map();
  for (const s of own) if (!ids.has(s.service)) { ids.set(s.service, `p${ids.size + 1}`); processes[`p${ids.size}`] = { serviceName: s.service, tags: [] }; }
  return {
    traceID,
    spans: own.map((s) => ({
      traceID, spanID: s.spanID, operationName: s.operationName, startTime: s.startTime, duration: s.duration, tags: s.tags,
      references: s.parentSpanID ? [{ refType: 'CHILD_OF', traceID, spanID: s.parentSpanID }] : [],
      processID: ids.get(s.service), logs: [], warnings: null,
    })),
    processes,
    warnings: null,
  };
}

const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/traces') return send(res, 404, {});
  if (!(req.headers['content-type'] ?? '').includes('json')) return send(res, 415, { message: 'the Jaeger stand-in takes OTLP/HTTP JSON only' });
  const chunks = [];
  req.on('data', (c) => chunks.push(c)).on('end', () => {
    try {
      ingest(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      send(res, 200, {});
    } catch (error) {
      send(res, 400, { message: String(error) });
    }
  });
}).listen(4318, '0.0.0.0');

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  if (url.pathname === '/' || url.pathname === '/status') return send(res, 200, { status: 'Server available' });
  if (url.pathname === '/api/services') {
    const services = [...new Set(spans.map((s) => s.service))].sort();
    return send(res, 200, { data: services, total: services.length, limit: 0, offset: 0, errors: null });
  }
  const one = /^\/api\/traces\/([0-9a-f]+)$/i.exec(url.pathname);
  if (one) {
    const trace = traceOf(one[1].toLowerCase());
    return trace.spans.length ? send(res, 200, { data: [trace], errors: null }) : send(res, 404, { data: null, errors: [{ code: 404, msg: 'trace not found' }] });
  }
  if (url.pathname === '/api/traces') {
    const service = url.searchParams.get('service');
    if (!service) return send(res, 400, { data: null, errors: [{ code: 400, msg: 'parameter \'service\' is required' }] });
    const operation = url.searchParams.get('operation');
    const tags = JSON.parse(url.searchParams.get('tags') ?? '{}');
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const matching = spans.filter((s) => s.service === service && (!operation || s.operationName === operation)
      && Object.entries(tags).every(([k, v]) => s.tags.some((t) => t.key === k && String(t.value) === String(v))));
    const traceIds = [...new Set(matching.reverse().map((s) => s.traceID))].slice(0, limit);
    return send(res, 200, { data: traceIds.map(traceOf), total: traceIds.length, limit: 0, offset: 0, errors: null });
  }
  send(res, 404, { data: null, errors: [{ code: 404, msg: `the Jaeger stand-in does not serve ${url.pathname}` }] });
}).listen(16686, '0.0.0.0', () => console.log(JSON.stringify({ msg: 'jaeger stand-in: OTLP/HTTP JSON :4318, query API :16686' })));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
