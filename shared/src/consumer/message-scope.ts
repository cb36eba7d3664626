import type { JsMsg } from '@nats-io/jetstream';
import { ROOT_CONTEXT, SpanKind, context, trace, type Span } from '@opentelemetry/api';
import { withLogContext } from '../logger.js';
import { contextOf, isTracing, spanFailed, traceparentOf, tracer } from '../tracing.js';

/**
 * What one message carries through its handling: its log context, built once, and, when
 * tracing is on, its `<type> process` span, child of the publish span its `traceparent` names.
 * With tracing off there is no span and no OpenTelemetry context: the incoming traceparent
 * still reaches the events the handler writes, through the log context.
 */
/** What `processed_messages` records of a handled message besides its key (see db/processed-details.ts). */
export interface HandledDetails {
  subject: string;
  entityId: string | null;
  streamSeq: number;
  traceId: string | null;
}

export class MessageScope {
  private readonly span: Span | undefined;
  private readonly fields: Record<string, unknown>;
  readonly handled: HandledDetails;

  constructor(service: string, durable: string, event: string, message: JsMsg, readonly id: string, correlationId?: string) {
    const incoming = message.headers?.get('traceparent') || undefined;
    const delivery = message.info.deliveryCount;
    this.span = isTracing()
      ? tracer(service).startSpan(
          `${event} process`,
          {
            kind: SpanKind.CONSUMER,
            attributes: {
              'messaging.system': 'nats',
              'messaging.operation.type': 'process',
              'messaging.destination.name': message.subject,
              'messaging.consumer.group.name': durable,
              'messaging.message.id': id,
              'nats.jetstream.delivery_count': delivery,
              'nats.jetstream.stream_sequence': message.seq,
              ...(correlationId ? { 'messaging.message.conversation_id': correlationId } : {}),
            },
          },
          contextOf(incoming),
        )
      : undefined;
    const traceparent = (this.span && traceparentOf(this.span)) ?? incoming;
    const traceId = traceparent?.split('-')[1];
    this.fields = { eventId: id, delivery, streamSeq: message.seq, correlationId, traceparent, traceId };
    this.handled = { subject: message.subject, entityId: correlationId ?? null, streamSeq: message.seq, traceId: traceId ?? null };
  }

  /** The fields of this message's log lines, for lines written outside `run`. */
  get logFields(): Record<string, unknown> {
    return this.fields;
  }

  run<T>(fn: () => T): T {
    const span = this.span;
    return span ? context.with(trace.setSpan(ROOT_CONTEXT, span), () => withLogContext(this.fields, fn)) : withLogContext(this.fields, fn);
  }

  failed(error: unknown): void {
    if (this.span) spanFailed(this.span, error);
  }

  end(outcome: string): void {
    if (!this.span) return;
    this.span.setAttribute('consumer.outcome', outcome);
    this.span.end();
  }
}
