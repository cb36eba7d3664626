import { randomBytes } from 'node:crypto';
import {
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanStatusCode,
  TraceFlags,
  context,
  diag,
  isSpanContextValid,
  propagation,
  trace,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from './logger.js';

/**
 * Tracing in two modes. With an OTLP endpoint (or, in tests, an exporter) a tracer provider
 * is registered and every HTTP request, outbox write, relay publish and handled message is a
 * span. Without one nothing of the SDK is even loaded: the OpenTelemetry API stays a no-op,
 * and the W3C `traceparent` still travels from request to outbox row to NATS header to
 * handler unchanged, as it always has, so logs stay correlated either way.
 */
export interface TracingSettings {
  service: string;
  /** OTLP/HTTP base URL (`http://jaeger:4318`); traces go to `<endpoint>/v1/traces` */
  endpoint?: string | undefined;
  /** fraction of new traces recorded; a caller's sampling decision is always followed */
  sampleRatio?: number | undefined;
  /** instead of OTLP, hand every span to this exporter as it ends (tests) */
  exporter?: SpanExporter | undefined;
  log?: Logger | undefined;
}

export interface Tracing {
  readonly enabled: boolean;
  /** exports what is buffered and unregisters the provider */
  shutdown(): Promise<void>;
}

const off: Tracing = { enabled: false, shutdown: async () => undefined };
let registered = false;

/** True while a tracer provider started here is registered; hot paths skip span work otherwise. */
export function isTracing(): boolean {
  return registered;
}

export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  if (!settings.endpoint && !settings.exporter) return off;
  // Loaded only when tracing is on: a process without an endpoint pays nothing for the SDK.
  const [{ NodeTracerProvider }, base, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
  ]);
  let processor;
  if (settings.exporter) {
    processor = new base.SimpleSpanProcessor(settings.exporter);
  } else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new base.BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(settings.endpoint!) }));
  }
  if (settings.log) diag.setLogger(diagLogger(settings.log), DiagLogLevel.WARN);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.service }),
    sampler: new base.ParentBasedSampler({ root: new base.TraceIdRatioBasedSampler(settings.sampleRatio ?? 1) }),
    spanProcessors: [processor],
  });
  provider.register();
  registered = true;
  settings.log?.info({ endpoint: settings.endpoint, sampleRatio: settings.sampleRatio ?? 1 }, 'tracing on');
  return {
    enabled: true,
    async shutdown() {
      registered = false;
      await provider.shutdown().catch((error: unknown) => settings.log?.warn({ err: error }, 'could not flush spans'));
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}

/** The tracer of one service. Looked up per use: cheap, and always the provider registered now. */
export function tracer(service: string): Tracer {
  return trace.getTracer(service);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A remote span context from a W3C traceparent, or undefined if it is not a valid one. */
export function parseTraceparent(value: string | undefined | null): SpanContext | undefined {
  const match = value ? TRACEPARENT.exec(value) : null;
  if (!match) return undefined;
  const spanContext = { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16) & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

export function formatTraceparent(spanContext: SpanContext): string | undefined {
  if (!isSpanContextValid(spanContext)) return undefined;
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${spanContext.traceFlags & TraceFlags.SAMPLED}`;
}

/** A context whose parent is the span a traceparent names (none when absent or invalid). */
export function contextOf(traceparent: string | undefined | null): Context {
  const parent = parseTraceparent(traceparent);
  return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
}

/**
 * The traceparent to hand on from `span`. With tracing off the span is a no-op carrying its
 * parent's context, so this is the parent's traceparent, unchanged.
 */
export function traceparentOf(span: Span): string | undefined {
  return formatTraceparent(span.spanContext());
}

/** A fresh sampled traceparent, for a request that arrives without one while tracing is off. */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

// Fresh ids come from random bytes drawn 4 KiB at a time (as crypto.randomUUID buffers its own):
// a `randomBytes` call per id was 2.5 % of an api's CPU under load (make bench's profile).
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let drawn = 0;

/** `bytes` random bytes as hex, none ever handed out twice. */
function randomHex(bytes: number): string {
  if (drawn + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    drawn = 0;
  }
  const hex = pool.toString('hex', drawn, drawn + bytes);
  drawn += bytes;
  return hex;
}

/** Marks a span failed with the error that failed it. */
export function spanFailed(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

function tracesUrl(endpoint: string): string {
  return new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
}

function diagLogger(log: Logger) {
  const write = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string, ...args: unknown[]) => log[level]({ detail: message, args }, 'opentelemetry');
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug'), verbose: write('debug') };
}
