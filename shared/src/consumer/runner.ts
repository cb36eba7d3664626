import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Knex } from 'knex';
import { Counter, Histogram, type Registry } from 'prom-client';
import { parseEnvelope, type AnyEventEnvelope } from '../events/envelope.js';
import { AppError, isAppError, isPermanent } from '../errors.js';
import { ownerSourceOf } from '../events/contracts.js';
import type { Logger } from '../logger.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Topology } from '../nats/topology.js';
import { handleBatch, type BatchItem } from './batch.js';
import { writeDeadLetter, type DeadLetterDeps } from './dead-letter.js';
import { LastResort } from './last-resort.js';
import { watchMaxDeliveries } from './max-deliveries.js';
import { MessageQueue } from './message-queue.js';
import { MessageScope } from './message-scope.js';
import { backoff, type RetryPolicy } from './retry.js';
import type { Subscription } from './subscription.js';

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
  /** messages handled in one transaction, at most */
  batchSize?: number;
  /** how long a batch waits to fill once its first message is there; 0: it takes what has arrived */
  flushWaitMs?: number;
  /** batches in flight at once per subscription */
  concurrency?: number;
  /** processed-message rows older than this are deleted; keep it longer than the stream's max age */
  processedRetentionMs?: number;
}

type Outcome = 'handled' | 'duplicate' | 'retried' | 'dead_lettered';

/** A message as the loop knows it: parsed, or the reason it cannot be. */
type Received = { message: JsMsg; event: AnyEventEnvelope; scope: MessageScope } | { message: JsMsg; poison: unknown };

/**
 * The one generic consumer loop. It takes what the pull delivers, up to a batch, and handles
 * the batch in one transaction (see `handleBatch`): every message is applied at most once per
 * consumer, the events handlers write commit with their state, acks follow the commit.
 * Error policy, in one place and per message: poison (schema-invalid, a `ce-source` other than
 * the event's owner, a permanent AppError) is dead-lettered and terminated at once; anything
 * else is retried with growing delay until `maxAttempts`, then dead-lettered, with the
 * subscription's `onExhausted` hook run once. A message that fails never takes its batch with it.
 */
export class ConsumerRunner {
  private readonly options: Required<Omit<ConsumerRunnerOptions, 'registry'>>;
  private readonly deadLetters: DeadLetterDeps;
  private readonly metrics;
  private readonly loops: Promise<void>[] = [];
  private readonly active = new Set<{ messages: ConsumerMessages; queue: MessageQueue }>();
  private stopping = false;
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly lastResort: LastResort;
  private advisories: { unsubscribe(): void }[] = [];
  private readonly registry: Registry | undefined;

  constructor(options: ConsumerRunnerOptions) {
    this.options = {
      clock: () => new Date(),
      retry: { baseDelayMs: 500, maxDelayMs: 30_000 },
      batchSize: 50,
      flushWaitMs: 0,
      concurrency: 1,
      processedRetentionMs: 14 * 24 * 3600 * 1000,
      ...options,
    } as Required<Omit<ConsumerRunnerOptions, 'registry'>>;
    const { topology, service, clock } = this.options;
    this.deadLetters = { js: jetstream(options.nc), topology, service, clock };
    this.metrics = consumerMetrics(options.registry);
    this.registry = options.registry;
    this.lastResort = new LastResort({ ...this.options, registry: options.registry });
  }

  start(): void {
    for (const subscription of this.options.subscriptions) this.loops.push(this.consume(subscription));
    this.pruneTimer = setInterval(() => void this.pruneProcessed(), 3600_000);
    this.pruneTimer.unref();
    this.lastResort.start();
    this.advisories = watchMaxDeliveries({ ...this.options, deadLetters: this.deadLetters, lastResort: this.lastResort, registry: this.registry });
  }

  /** Stops pulling, lets in-flight batches finish (their acks included), hands queued messages back, then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pruneTimer);
    for (const advisory of this.advisories) advisory.unsubscribe();
    for (const { messages, queue } of this.active) {
      messages.stop();
      queue.close();
    }
    await Promise.all(this.loops);
    await this.lastResort.stop();
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
    const { topology, log: baseLog, concurrency, batchSize, flushWaitMs } = this.options;
    const stream = topology.streamFor(subscription.consumer.event);
    const durable = subscription.consumer.durable;
    const log = baseLog.child({ consumer: durable });
    const window = batchSize * concurrency;
    while (!this.stopping) {
      let messages: ConsumerMessages;
      try {
        const consumer = await this.deadLetters.js.consumers.get(stream, durable);
        // Short pull requests: one left behind by a stopped replica expires soon, instead of
        // catching messages for 30 s that then wait out ack_wait before redelivery.
        messages = await consumer.consume({ max_messages: window, expires: 10_000 });
      } catch (error) {
        log.error({ err: error, stream }, 'cannot consume: is the consumer declared (has the migrator run)? retrying');
        await sleep(2000);
        continue;
      }
      const queue = new MessageQueue(messages, window, flushWaitMs);
      const entry = { messages, queue };
      this.active.add(entry);
      if (this.stopping) {
        messages.stop();
        queue.close();
      }
      log.info({ stream, batchSize, concurrency }, 'consuming');
      const inFlight = new Set<Promise<void>>();
      for (let batch = await queue.take(batchSize); batch; batch = await queue.take(batchSize)) {
        if (this.stopping) {
          for (const message of batch) message.nak(); // straight to another replica
          queue.settled(batch.length);
          continue;
        }
        const taken = batch;
        const done: Promise<void> = this.process(subscription, taken, log)
          .catch((error: unknown) => log.error({ err: error }, 'batch failed unexpectedly'))
          .finally(() => {
            queue.settled(taken.length);
            inFlight.delete(done);
          });
        inFlight.add(done);
        if (inFlight.size >= concurrency) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      for (const message of queue.drain()) message.nak();
      await queue.pumped;
      this.active.delete(entry);
    }
  }

  private async process(subscription: Subscription, batch: JsMsg[], log: Logger): Promise<void> {
    const started = performance.now();
    const { maxAttempts, durable, event: expected } = subscription.consumer;
    const items: Array<BatchItem & { message: JsMsg; event: AnyEventEnvelope }> = [];
    const settling: Promise<unknown>[] = [];
    for (const received of batch.map((message) => this.receive(subscription, message))) {
      if ('poison' in received) {
        settling.push(this.deadLetter(durable, received.message, received.poison, log, undefined, started));
        continue;
      }
      const { message, event, scope } = received;
      const delivery = message.info.deliveryCount;
      if (delivery > maxAttempts) {
        settling.push(this.exhausted(subscription, message, event, scope, new Error(`delivered ${delivery} times`), log, started));
        continue;
      }
      const locks = subscription.locks?.(event as never) ?? [];
      items.push({ key: event.id, delivery, locks, scope, message, event, run: (context) => subscription.handle(event as never, context) });
    }
    if (items.length > 0) {
      try {
        await handleBatch(this.optionsForBatch(log), durable, items);
      } catch (error) {
        // the transaction failed as a whole: every message in it is retried
        for (const item of items) if (item.result?.kind !== 'failed') item.result = { kind: 'failed', error };
      }
      this.metrics.batchSize.observe({ consumer: durable }, items.length);
    }
    for (const item of items) {
      const { message, scope, event } = item;
      const result = item.result ?? { kind: 'failed', error: new Error('not run') };
      if (result.kind !== 'failed') {
        message.ack();
        if (result.kind === 'duplicate') log.debug(scope.logFields, 'duplicate delivery skipped');
        this.finish(durable, scope, result.kind, started);
        continue;
      }
      const { error } = result;
      scope.failed(error);
      if (isPermanent(error)) settling.push(this.deadLetter(durable, message, error, log, scope, started));
      else if (item.delivery >= maxAttempts) settling.push(this.exhausted(subscription, message, event, scope, error, log, started));
      else {
        const delayMs = backoff(item.delivery, this.options.retry);
        log.warn({ ...scope.logFields, err: error, delayMs, kind: isAppError(error) ? error.kind : 'unexpected', expected }, 'handler failed; will retry');
        message.nak(delayMs);
        this.finish(durable, scope, 'retried', started);
      }
    }
    await Promise.all(settling);
  }

  private optionsForBatch(log: Logger) {
    const { db, outbox, clock } = this.options;
    return { db, outbox, clock, log };
  }

  /** Parses and checks a message: its schema, its type, and that its source owns the event. */
  private receive(subscription: Subscription, message: JsMsg): Received {
    try {
      const event = parseEnvelope(message);
      if (event.type !== subscription.consumer.event) throw new TypeError(`expected ${subscription.consumer.event}, got ${event.type}`);
      // NATS permissions keep other services off a domain's subjects; this catches what slips past them
      if (event.source !== ownerSourceOf(event.type)) throw new AppError('bad_request', `ce-source ${event.source} is not the owner of ${event.type}`);
      return { message, event, scope: new MessageScope(this.options.service, subscription.consumer.durable, event.type, message, event.id, event.subject) };
    } catch (error) {
      return { message, poison: error };
    }
  }

  /** Retries ran out: dead-letter the message, then run the subscription's hook once, in its own transaction. */
  private async exhausted(subscription: Subscription, message: JsMsg, event: AnyEventEnvelope, scope: MessageScope, error: unknown, log: Logger, started: number): Promise<void> {
    const { durable } = subscription.consumer;
    if (!(await writeDeadLetter(this.deadLetters, durable, message, error, log.child(scope.logFields)))) return this.retryLater(durable, message, scope, started);
    const hook = subscription.onExhausted;
    if (hook) {
      const locks = subscription.locks?.(event as never) ?? [];
      const item: BatchItem = { key: `${event.id}:exhausted`, delivery: message.info.deliveryCount, locks, scope, run: (context) => hook(event as never, { ...context, error }) };
      const failure = await handleBatch(this.optionsForBatch(log), durable, [item]).then(
        () => (item.result?.kind === 'failed' ? item.result.error : undefined),
        (transactionError: unknown) => transactionError,
      );
      if (failure !== undefined) {
        const origin = { subject: message.subject, seq: message.seq, deliveries: message.info.deliveryCount };
        if (!(await this.lastResort.hold(durable, event, origin, failure, log.child(scope.logFields)))) return this.retryLater(durable, message, scope, started);
      }
    }
    message.term();
    this.finish(durable, scope, 'dead_lettered', started);
  }

  private async deadLetter(durable: string, message: JsMsg, error: unknown, log: Logger, scope: MessageScope | undefined, started: number): Promise<void> {
    const fields = scope?.logFields ?? { streamSeq: message.seq, delivery: message.info.deliveryCount };
    if (!(await writeDeadLetter(this.deadLetters, durable, message, error, log.child(fields)))) return this.retryLater(durable, message, scope, started);
    // no reason: `+TERM <reason>` needs nats-server 2.10.4; 2.9 ignores it and redelivers
    message.term();
    this.finish(durable, scope, 'dead_lettered', started);
  }

  private retryLater(durable: string, message: JsMsg, scope: MessageScope | undefined, started: number): void {
    message.nak(backoff(message.info.deliveryCount, this.options.retry));
    this.finish(durable, scope, 'retried', started);
  }

  private finish(consumer: string, scope: MessageScope | undefined, outcome: Outcome, started: number): void {
    scope?.end(outcome);
    this.metrics.messages.inc({ consumer, outcome });
    this.metrics.seconds.observe({ consumer }, (performance.now() - started) / 1000);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function consumerMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    messages: new Counter({ name: 'consumer_messages_total', help: 'messages by consumer and outcome', labelNames: ['consumer', 'outcome'], registers }),
    seconds: new Histogram({ name: 'consumer_handle_seconds', help: 'time to handle one message, from its batch taken to its ack', labelNames: ['consumer'], registers }),
    batchSize: new Histogram({ name: 'consumer_batch_size', help: 'messages handled per transaction', labelNames: ['consumer'], buckets: [1, 2, 5, 10, 20, 50, 100, 200], registers }),
  };
}
