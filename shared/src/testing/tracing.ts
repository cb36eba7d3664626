import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../tracing.js';

export interface RecordedSpans {
  /** every span ended since recording started */
  spans(): ReadableSpan[];
  /** stops recording and unregisters the tracer provider, so later tests run untraced */
  stop(): Promise<void>;
}

/**
 * Turns tracing on for this process with an in-memory exporter, as a process with
 * `OTEL_EXPORTER_OTLP_ENDPOINT` set would, except that spans stay here to be inspected.
 * Services started in the same process tell their spans apart by tracer (instrumentation
 * scope) name, which is the service's name.
 */
export async function recordSpans(): Promise<RecordedSpans> {
  const exporter = new InMemorySpanExporter();
  const tracing = await startTracing({ service: 'tests', exporter });
  return {
    spans: () => exporter.getFinishedSpans(),
    async stop() {
      await tracing.shutdown();
      exporter.reset();
    },
  };
}
