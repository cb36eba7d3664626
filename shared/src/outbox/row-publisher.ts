import type { NatsConnection } from '@nats-io/transport-node';
import { SpanKind } from '@opentelemetry/api';
import { envelopeHeaders } from '../events/envelope.js';
import { isEventType } from '../events/contracts.js';
import type { Logger } from '../logger.js';
import { AsyncPublisher } from '../nats/async-publisher.js';
import type { Topology } from '../nats/topology.js';
import { contextOf, isTracing, spanFailed, traceparentOf, tracer } from '../tracing.js';
import type { RelayMetrics } from './relay-metrics.js';
import type { OutboxRow } from './relay-queries.js';

export interface PublishedBatch {
  /** ids of the rows JetStream acknowledged */
  acknowledged: string[];
  failures: number;
}

/**
 * Publishes a batch of outbox rows to JetStream, all of them in flight at once, and settles
 * when every PubAck (or failure) is in. Never rejects: a row that failed is reported, and
 * stays unpublished for the next round.
 */
export class RowPublisher {
  private readonly publisher: AsyncPublisher;
  private readonly encoder = new TextEncoder();

  constructor(
    nc: NatsConnection,
    publishTimeoutMs: number,
    private readonly topology: Topology,
    private readonly metrics: RelayMetrics,
    private readonly log: Logger,
    /** names the publish spans; defaults to the row's source */
    private readonly service: string | undefined,
  ) {
    this.publisher = new AsyncPublisher(nc, publishTimeoutMs);
  }

  async publish(rows: OutboxRow[]): Promise<PublishedBatch> {
    const started = performance.now();
    const results = await Promise.allSettled(rows.map((row) => this.publishRow(row)));
    const acknowledged: string[] = [];
    let firstError: unknown;
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') acknowledged.push(rows[i]!.id);
      else firstError ??= result.reason;
    });
    const failures = rows.length - acknowledged.length;
    this.metrics.published.inc(acknowledged.length);
    this.metrics.batchSize.observe(rows.length);
    this.metrics.batchSeconds.observe((performance.now() - started) / 1000);
    if (failures > 0) {
      this.metrics.failures.inc(failures);
      this.log.warn({ err: firstError, failures, batch: rows.length }, 'outbox rows not acknowledged by JetStream; will retry');
    }
    return { acknowledged, failures };
  }

  close(): void {
    this.publisher.close();
  }

  /**
   * One `<type> publish` span per row, child of the span that wrote it; the message carries the
   * publish span's traceparent, so the consumer's span is its child. With tracing off the
   * stored traceparent goes out unchanged.
   */
  private publishRow(row: OutboxRow): Promise<unknown> {
    if (!isEventType(row.type)) return Promise.reject(new Error(`outbox row ${row.id} has unknown type ${row.type}`));
    const subject = this.topology.subject(row.type);
    const envelope = { id: row.id, type: row.type, source: row.source, subject: row.subject, time: row.time, traceparent: row.traceparent ?? undefined };
    // the hot path of the relay: with tracing off, not even a no-op span per row
    if (!isTracing()) return this.publisher.publish(subject, this.encoder.encode(row.data), envelopeHeaders(envelope));
    const span = tracer(this.service ?? row.source.replace(/^\//, '')).startSpan(
      `${row.type} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'messaging.destination.name': subject, 'messaging.message.id': row.id },
      },
      contextOf(row.traceparent),
    );
    const headers = envelopeHeaders({ ...envelope, traceparent: (span.isRecording() ? traceparentOf(span) : undefined) ?? envelope.traceparent });
    return this.publisher.publish(subject, this.encoder.encode(row.data), headers).then(
      (ack) => {
        span.end();
        return ack;
      },
      (error: unknown) => {
        spanFailed(span, error);
        span.end();
        throw error;
      },
    );
  }
}
