import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import type { Knex } from 'knex';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ROOT_CONTEXT, SpanKind, context, trace, type Span } from '@opentelemetry/api';
import { parseEnvelope, type AnyEventEnvelope } from '../events/envelope.js';
import { AppError, isAppError, isPermanent } from '../errors.js';
import { ownerSourceOf } from '../events/contracts.js';
import { withLogContext, type Logger } from '../logger.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Topology } from '../nats/topology.js';
import { contextOf, spanFailed, traceparentOf, tracer } from '../tracing.js';
import type { HandlerContext, Subscription } from './subscription.js';

export interface RetryPolicy {
  /** delay before the second delivery; doubles each time */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ConsumerRunnerOptions {
  service: string;
  db: Knex;
  nc: NatsConnection;
  topology: Topology;
  outbox: Outbox;
  log: Logger;
  subscriptions: Subscription[];
  clock?: () => Date;
  registry?: Registry | undefined;
  retry?: RetryPolicy;
  /** messages handled at once per subscription */
  concurrency?: number;
  /** processed-message rows older than this are deleted; keep it longer than the stream's max age */
  processedRetentionMs?: number;
}

type Outcome = 'handled' | 'duplicate' | 'retried' | 'dead_lettered';

/**
 * The one generic consumer loop. For every message: validate, then in one transaction insert
 * (consumer, message id) into processed_messages first and run the handler; ack after commit.
 * Error policy, in one place: poison (schema-invalid, a `ce-source` other than the event's
 * owner, permanent AppError) is dead-lettered and terminated at once; anything else is retried
 * with growing delay until `maxAttempts`, then dead-lettered, with the subscription's
 * `onExhausted` hook run once.
 */
export class ConsumerRunner {
  private readonly options: Required<Omit<ConsumerRunnerOptions, 'registry'>>;
  private readonly js;
  private readonly metrics;
  private readonly loops: Promise<void>[] = [];
  private readonly active = new Set<ConsumerMessages>();
  private stopping = false;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(options: ConsumerRunnerOptions) {
    this.options = {
      clock: () => new Date(),
      retry: { baseDelayMs: 500, maxDelayMs: 30_000 },
      concurrency: 16,
      processedRetentionMs: 14 * 24 * 3600 * 1000,
      ...options,
    } as Required<Omit<ConsumerRunnerOptions, 'registry'>>;
    this.js = jetstream(options.nc);
    this.metrics = consumerMetrics(options.registry);
  }

  start(): void {
    for (const subscription of this.options.subscriptions) this.loops.push(this.consume(subscription));
    this.pruneTimer = setInterval(() => void this.pruneProcessed(), 3600_000);
    this.pruneTimer.unref();
  }

  /** Stops pulling, lets in-flight messages finish (their ack included), then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pruneTimer);
    for (const messages of this.active) messages.stop();
    await Promise.all(this.loops);
  }

  async pruneProcessed(): Promise<number> {
    const seconds = this.options.processedRetentionMs / 1000;
    const result = await this.options.db
      .raw<{ rowCount: number }>('delete from processed_messages where processed_at < now() - make_interval(secs => ?)', [seconds])
      .catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'could not prune processed messages');
        return { rowCount: 0 };
      });
    return result.rowCount;
  }

  private async consume(subscription: Subscription): Promise<void> {
    const { topology, log: baseLog, concurrency } = this.options;
    const stream = topology.streamFor(subscription.consumer.event);
    const durable = subscription.consumer.durable;
    const log = baseLog.child({ consumer: durable });
    while (!this.stopping) {
      let messages: ConsumerMessages;
      try {
        const consumer = await this.js.consumers.get(stream, durable);
        // Short pull requests: one left behind by a stopped replica expires soon, instead of
        // catching messages for 30 s that then wait out ack_wait before redelivery.
        messages = await consumer.consume({ max_messages: concurrency * 2, expires: 10_000 });
      } catch (error) {
        log.error({ err: error, stream }, 'cannot consume: is the consumer declared (has the migrator run)? retrying');
        await sleep(2000);
        continue;
      }
      this.active.add(messages);
      if (this.stopping) messages.stop();
      log.info({ stream }, 'consuming');
      const inFlight = new Set<Promise<void>>();
      for await (const message of messages) {
        if (this.stopping) {
          message.nak(); // hand it straight to another replica
          continue;
        }
        const done: Promise<void> = this.process(subscription, message, log).finally(() => inFlight.delete(done));
        inFlight.add(done);
        if (inFlight.size >= concurrency) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      this.active.delete(messages);
    }
  }

  /**
   * Each message is a `<type> process` span, child of the publish span named by its
   * `traceparent` header; the handler runs inside it, so the events it writes continue the trace.
   */
  private async process(subscription: Subscription, message: JsMsg, consumerLog: Logger): Promise<void> {
    const started = performance.now();
    const { durable } = subscription.consumer;
    const delivery = message.info.deliveryCount;
    const messageId = message.headers?.get('ce-id') || `seq-${message.seq}`;
    const incoming = message.headers?.get('traceparent') || undefined;
    const span = tracer(this.options.service).startSpan(
      `${subscription.consumer.event} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.operation.type': 'process',
          'messaging.destination.name': message.subject,
          'messaging.consumer.group.name': durable,
          'messaging.message.id': messageId,
          'nats.jetstream.delivery_count': delivery,
          'nats.jetstream.stream_sequence': message.seq,
        },
      },
      contextOf(incoming),
    );
    const traceparent = traceparentOf(span) ?? incoming;
    const log = consumerLog.child({ eventId: messageId, delivery, streamSeq: message.seq });
    const logContext = { eventId: messageId, traceparent, traceId: traceparent?.split('-')[1] };
    let outcome: Outcome = 'retried';
    try {
      outcome = await context.with(trace.setSpan(ROOT_CONTEXT, span), () => withLogContext(logContext, () => this.settle(subscription, message, span, log)));
    } finally {
      span.setAttribute('consumer.outcome', outcome);
      span.end();
      this.record(durable, outcome, started);
    }
  }

  /** The error policy: handle once and ack; dead-letter poison; retry the rest until `maxAttempts`. */
  private async settle(subscription: Subscription, message: JsMsg, span: Span, log: Logger): Promise<Outcome> {
    const { maxAttempts } = subscription.consumer;
    const delivery = message.info.deliveryCount;
    let event: AnyEventEnvelope;
    try {
      event = parseEnvelope(message);
      if (event.type !== subscription.consumer.event) throw new TypeError(`expected ${subscription.consumer.event}, got ${event.type}`);
      // NATS permissions keep other services off a domain's subjects; this catches what slips past them
      if (event.source !== ownerSourceOf(event.type)) throw new AppError('bad_request', `ce-source ${event.source} is not the owner of ${event.type}`);
    } catch (error) {
      spanFailed(span, error);
      return this.deadLetter(subscription, message, error, log);
    }
    span.setAttribute('messaging.message.conversation_id', event.subject);
    const outcome = await withLogContext({ correlationId: event.subject }, async (): Promise<Outcome> => {
      if (delivery > maxAttempts) return this.exhausted(subscription, message, event, new Error(`delivered ${delivery} times`), log);
      try {
        const applied = await this.handleOnce(subscription, event, event.id, delivery, log);
        message.ack();
        return applied ? 'handled' : 'duplicate';
      } catch (error) {
        spanFailed(span, error);
        if (isPermanent(error)) return this.deadLetter(subscription, message, error, log);
        if (delivery >= maxAttempts) return this.exhausted(subscription, message, event, error, log);
        const delayMs = backoff(delivery, this.options.retry);
        log.warn({ err: error, delayMs, kind: isAppError(error) ? error.kind : 'unexpected' }, 'handler failed; will retry');
        message.nak(delayMs);
        return 'retried';
      }
    });
    if (outcome === 'duplicate') log.debug('duplicate delivery skipped');
    return outcome;
  }

  /** Runs `fn` at most once per (consumer, key): the processed row is inserted first, in the same transaction. */
  private async once(durable: string, key: string, delivery: number, log: Logger, fn: (context: HandlerContext) => Promise<void>): Promise<boolean> {
    const { db, outbox, clock } = this.options;
    return db.transaction(async (trx) => {
      const inserted = await trx('processed_messages').insert({ consumer: durable, message_id: key }).onConflict(['consumer', 'message_id']).ignore().returning('message_id');
      if (inserted.length === 0) return false;
      const now = clock();
      await fn({ trx, log, now, delivery, outbox: { add: (type, fields) => outbox.add(trx, type, { ...fields, time: now }) } });
      return true;
    });
  }

  private handleOnce(subscription: Subscription, event: AnyEventEnvelope, key: string, delivery: number, log: Logger): Promise<boolean> {
    return this.once(subscription.consumer.durable, key, delivery, log, (context) => subscription.handle(event as never, context));
  }

  private async exhausted(subscription: Subscription, message: JsMsg, event: AnyEventEnvelope, error: unknown, log: Logger): Promise<Outcome> {
    const dead = await this.deadLetter(subscription, message, error, log, false);
    if (dead !== 'dead_lettered') return dead;
    const hook = subscription.onExhausted;
    if (hook) {
      try {
        await this.once(subscription.consumer.durable, `${event.id}:exhausted`, message.info.deliveryCount, log, (context) => hook(event as never, { ...context, error }));
      } catch (hookError) {
        log.error({ err: hookError }, 'on-exhausted hook failed; will retry');
        message.nak(backoff(1, this.options.retry));
        return 'retried';
      }
    }
    message.term();
    return 'dead_lettered';
  }

  /**
   * Copies the message to `dlq.<service>.<consumer>` with the error, the original subject,
   * headers and delivery count, then terminates it. If the copy cannot be written, the message
   * is nak'ed instead, so it is never dropped without a trace.
   */
  private async deadLetter(subscription: Subscription, message: JsMsg, error: unknown, log: Logger, terminate = true): Promise<Outcome> {
    const { topology, service } = this.options;
    const durable = subscription.consumer.durable;
    const h = natsHeaders();
    for (const [key, values] of message.headers ?? []) {
      if (key.toLowerCase() !== 'nats-msg-id') for (const value of values) h.append(key, value);
    }
    const reason = error instanceof Error ? error.message : String(error);
    const details = isAppError(error) && error.details ? JSON.stringify(error.details) : '';
    h.set('Nats-Msg-Id', `${durable}:${message.info.stream}:${message.seq}`);
    h.set('dlq-error', oneLine(details ? `${reason}: ${details}` : reason));
    h.set('dlq-error-kind', isAppError(error) ? error.kind : 'unexpected');
    h.set('dlq-original-subject', message.subject);
    h.set('dlq-original-stream', message.info.stream);
    h.set('dlq-stream-seq', String(message.seq));
    h.set('dlq-delivery-count', String(message.info.deliveryCount));
    h.set('dlq-consumer', durable);
    h.set('dlq-service', service);
    h.set('dlq-time', this.options.clock().toISOString());
    try {
      await this.js.publish(topology.dlqSubject(service, durable), message.data, { headers: h });
    } catch (publishError) {
      log.error({ err: publishError, cause: reason }, 'could not write dead letter; will retry');
      message.nak(backoff(message.info.deliveryCount, this.options.retry));
      return 'retried';
    }
    log.error({ err: error, subject: message.subject }, 'message dead-lettered');
    // no reason: `+TERM <reason>` needs nats-server 2.10.4; 2.9 ignores it and redelivers
    if (terminate) message.term();
    return 'dead_lettered';
  }

  private record(consumer: string, outcome: Outcome, started: number): void {
    this.metrics.messages.inc({ consumer, outcome });
    this.metrics.seconds.observe({ consumer }, (performance.now() - started) / 1000);
  }
}

export function backoff(delivery: number, policy: RetryPolicy): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, delivery - 1));
  return Math.round(exponential * (0.8 + Math.random() * 0.4));
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 2000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function consumerMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    messages: new Counter({ name: 'consumer_messages_total', help: 'messages by consumer and outcome', labelNames: ['consumer', 'outcome'], registers }),
    seconds: new Histogram({ name: 'consumer_handle_seconds', help: 'time to handle one message, ack included', labelNames: ['consumer'], registers }),
  };
}
