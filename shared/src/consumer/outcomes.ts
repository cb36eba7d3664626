import type { JsMsg } from '@nats-io/jetstream';
import { Counter, Histogram, type Registry } from 'prom-client';
import { isAppError, isPermanent } from '../errors.js';
import type { AnyEventEnvelope } from '../events/envelope.js';
import type { Logger } from '../logger.js';
import { handleBatch, processedAlready, type BatchDeps, type BatchItem } from './batch.js';
import { writeDeadLetter, type DeadLetterDeps } from './dead-letter.js';
import type { LastResort } from './last-resort.js';
import type { MessageScope } from './message-scope.js';
import { backoff, type RetryPolicy } from './retry.js';
import type { Subscription } from './subscription.js';

type Outcome = 'handled' | 'duplicate' | 'retried' | 'dead_lettered';

/** One batch of one subscription, as its outcomes are settled: for the log and the handling time. */
export interface BatchRun {
  subscription: Subscription;
  log: Logger;
  /** when the batch was taken (performance.now()) */
  started: number;
}

/**
 * How each message of a batch ends, the consumer's error policy in one place: handled and
 * duplicate messages are acked; poison (a permanent error, or a message that cannot be parsed)
 * is dead-lettered and terminated at once; anything else is nak'ed with growing delay until the
 * subscription's `maxAttempts`, then dead-lettered, with its `onExhausted` hook run once.
 * Every outcome is counted and its message's span ended.
 */
export class Outcomes {
  private readonly metrics;

  constructor(
    private readonly deps: { deadLetters: DeadLetterDeps; retry: RetryPolicy; batch: Omit<BatchDeps, 'log'>; lastResort: LastResort },
    registry: Registry | undefined,
  ) {
    this.metrics = consumerMetrics(registry);
  }

  observeBatch(durable: string, size: number): void {
    this.metrics.batchSize.observe({ consumer: durable }, size);
  }

  /** The message's work committed (or was done already): ack it. */
  done(run: BatchRun, message: JsMsg, scope: MessageScope, kind: 'handled' | 'duplicate'): void {
    message.ack();
    if (kind === 'duplicate') run.log.debug(scope.logFields, 'duplicate delivery skipped');
    this.finish(run, scope, kind);
  }

  /** The handler failed: dead-letter, give up, or retry later, by the error and the delivery count. */
  failed(run: BatchRun, message: JsMsg, event: AnyEventEnvelope, scope: MessageScope, error: unknown): Promise<void> | undefined {
    scope.failed(error);
    const delivery = message.info.deliveryCount;
    if (isPermanent(error)) return this.deadLetter(run, message, error, scope);
    if (delivery >= run.subscription.consumer.maxAttempts) return this.exhausted(run, message, event, scope, error);
    const delayMs = backoff(delivery, this.deps.retry);
    const kind = isAppError(error) ? error.kind : 'unexpected';
    run.log.warn({ ...scope.logFields, err: error, delayMs, kind, expected: run.subscription.consumer.event }, 'handler failed; will retry');
    message.nak(delayMs);
    this.finish(run, scope, 'retried');
    return undefined;
  }

  /**
   * Delivered more often than the consumer's attempts without failing that often: every earlier
   * delivery timed out (a worker killed, NATS restarted), or was applied and every ack since was
   * lost. Applied already: a duplicate, acked. Otherwise its retries ran out.
   */
  async overDelivered(run: BatchRun, message: JsMsg, event: AnyEventEnvelope, scope: MessageScope): Promise<void> {
    const { durable } = run.subscription.consumer;
    let applied: boolean;
    try {
      applied = (await processedAlready(this.deps.batch.db, durable, [event.id])).size > 0;
    } catch (error) {
      run.log.warn({ ...scope.logFields, err: error }, 'cannot tell whether an over-delivered message was applied; will retry');
      return this.retryLater(run, message, scope);
    }
    if (applied) return this.done(run, message, scope, 'duplicate');
    return this.exhausted(run, message, event, scope, new Error(`delivered ${message.info.deliveryCount} times`));
  }

  /** Retries ran out: dead-letter the message, then run the subscription's hook once, in its own transaction. */
  async exhausted(run: BatchRun, message: JsMsg, event: AnyEventEnvelope, scope: MessageScope, error: unknown): Promise<void> {
    const { subscription, log } = run;
    const { durable } = subscription.consumer;
    if (!(await writeDeadLetter(this.deps.deadLetters, durable, message, error, log.child(scope.logFields)))) return this.retryLater(run, message, scope);
    const hook = subscription.onExhausted;
    if (hook) {
      const locks = subscription.locks?.(event as never) ?? [];
      const item: BatchItem = { key: `${event.id}:exhausted`, delivery: message.info.deliveryCount, locks, scope, run: (work) => hook(event as never, { ...work, error }) };
      const failure = await handleBatch({ ...this.deps.batch, log }, durable, [item]).then(
        () => (item.result?.kind === 'failed' ? item.result.error : undefined),
        (transactionError: unknown) => transactionError,
      );
      if (failure !== undefined) {
        // kept in the service's database and run again by the sweep, never lost to max_deliver
        const origin = { subject: message.subject, seq: message.seq, deliveries: message.info.deliveryCount };
        if (!(await this.deps.lastResort.hold(durable, event, origin, failure, log.child(scope.logFields)))) return this.retryLater(run, message, scope);
      }
    }
    message.term();
    this.finish(run, scope, 'dead_lettered');
  }

  async deadLetter(run: BatchRun, message: JsMsg, error: unknown, scope: MessageScope | undefined): Promise<void> {
    const fields = scope?.logFields ?? { streamSeq: message.seq, delivery: message.info.deliveryCount };
    if (!(await writeDeadLetter(this.deps.deadLetters, run.subscription.consumer.durable, message, error, run.log.child(fields)))) return this.retryLater(run, message, scope);
    // no reason: `+TERM <reason>` needs nats-server 2.10.4; 2.9 ignores it and redelivers
    message.term();
    this.finish(run, scope, 'dead_lettered');
  }

  private retryLater(run: BatchRun, message: JsMsg, scope: MessageScope | undefined): void {
    message.nak(backoff(message.info.deliveryCount, this.deps.retry));
    this.finish(run, scope, 'retried');
  }

  private finish(run: BatchRun, scope: MessageScope | undefined, outcome: Outcome): void {
    const consumer = run.subscription.consumer.durable;
    scope?.end(outcome);
    this.metrics.messages.inc({ consumer, outcome });
    this.metrics.seconds.observe({ consumer }, (performance.now() - run.started) / 1000);
  }
}

function consumerMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    messages: new Counter({ name: 'consumer_messages_total', help: 'messages by consumer and outcome', labelNames: ['consumer', 'outcome'], registers }),
    seconds: new Histogram({ name: 'consumer_handle_seconds', help: 'time to handle one message, from its batch taken to its ack', labelNames: ['consumer'], registers }),
    batchSize: new Histogram({ name: 'consumer_batch_size', help: 'messages handled per transaction', labelNames: ['consumer'], buckets: [1, 2, 5, 10, 20, 50, 100, 200], registers }),
  };
}
