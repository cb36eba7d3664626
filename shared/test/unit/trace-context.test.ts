import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createHttpApp, createLogger, createRegistry, currentLogContext, formatTraceparent, listen, parseTraceparent, route, type RunningServer } from '../../src/index.js';
import { recordSpans } from '../../src/testing/index.js';
import { newTraceparent } from '../../src/tracing.js';

const caller = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
const callerTraceparent = `00-${caller.traceId}-${caller.spanId}-01`;

/** An api whose one route logs a line and answers with the log context it ran in. */
async function echoApi(lines: Record<string, unknown>[]): Promise<RunningServer> {
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const log = createLogger({ service: 'echo-service', process: 'api', destination });
  const echo = route({
    method: 'get',
    path: '/echo/:id',
    summary: 'the log context',
    access: 'public',
    responses: { 200: { description: 'the context' } },
    handle: async () => {
      log.info('echoing');
      return { status: 200, body: currentLogContext() };
    },
  });
  return listen(createHttpApp({ service: 'echo-service', log, registry: createRegistry({ service: 'echo-service', process: 'api' }), routes: [echo], readiness: {} }), 0, '127.0.0.1');
}

async function get(server: RunningServer, headers: Record<string, string> = {}) {
  return (await fetch(`${server.url}/echo/1`, { headers })).json() as Promise<{ traceparent: string; traceId: string }>;
}

describe('trace context of a request', () => {
  const lines: Record<string, unknown>[] = [];
  let server: RunningServer;

  before(async () => {
    server = await echoApi(lines);
  });

  after(async () => {
    await server.close();
  });

  it('with tracing off, hands the caller\'s traceparent on unchanged, or starts a new trace when there is none', async () => {
    expect(await get(server, { traceparent: callerTraceparent })).to.include({ traceparent: callerTraceparent, traceId: caller.traceId });
    const fresh = await get(server);
    expect(parseTraceparent(fresh.traceparent)?.traceId).to.equal(fresh.traceId).and.not.equal(caller.traceId);
    expect(await get(server, { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).to.have.property('traceId').that.not.equals('0'.repeat(32));
  });

  it('with tracing on, continues the caller\'s trace in a server span, and the log lines carry that span\'s trace id; probes are no spans', async () => {
    const recording = await recordSpans();
    try {
      lines.length = 0;
      const seen = await get(server, { traceparent: callerTraceparent });
      for (const probe of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${server.url}${probe}`)).status).to.equal(200);
      expect(recording.spans()).to.have.length(1);
      const [span] = recording.spans();
      expect(span!.name).to.equal('GET /echo/:id');
      expect(span!.parentSpanContext?.spanId).to.equal(caller.spanId);
      expect(span!.instrumentationScope.name).to.equal('echo-service');
      expect(seen).to.deep.include({ traceId: caller.traceId, traceparent: formatTraceparent(span!.spanContext()) });
      expect(lines.find((l) => l['msg'] === 'echoing')).to.include({ traceId: caller.traceId, traceparent: seen.traceparent });
    } finally {
      await recording.stop();
    }
  });

  it('reads and writes W3C traceparents, refusing all-zero ids and foreign formats', () => {
    expect(formatTraceparent(parseTraceparent(callerTraceparent)!)).to.equal(callerTraceparent);
    expect(formatTraceparent(parseTraceparent(`00-${caller.traceId}-${caller.spanId}-00`)!)).to.match(/-00$/);
    for (const bad of [undefined, '', 'nonsense', `00-${'0'.repeat(32)}-${caller.spanId}-01`, `00-${caller.traceId}-${'0'.repeat(16)}-01`, `00-${caller.traceId.toUpperCase()}-${caller.spanId}-01`]) {
      expect(parseTraceparent(bad), String(bad)).to.equal(undefined);
    }
  });
});

describe('fresh traceparents', () => {
  it('are valid W3C traceparents, sampled, and never repeat a trace or span id, across many refills of their random bytes', () => {
    // 4 KiB of random bytes serve 170 traceparents: 2,000 take a dozen refills
    const made = Array.from({ length: 2000 }, () => newTraceparent());
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (const traceparent of made) {
      expect(traceparent).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const parsed = parseTraceparent(traceparent)!;
      expect(parsed, traceparent).to.not.equal(undefined);
      traces.add(parsed.traceId);
      spans.add(parsed.spanId);
    }
    expect(traces.size).to.equal(made.length);
    expect(spans.size).to.equal(made.length);
  });
});
