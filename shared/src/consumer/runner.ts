import { setTimeout as delay } from 'node:timers/promises';
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { millis, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Knex } from 'knex';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Topology } from '../nats/topology.js';
import { handleBatch, pruneProcessed, type BatchDeps, type BatchItem } from './batch.js';
import type { DeadLetterDeps } from './dead-letter.js';
import { LastResort } from './last-resort.js';
import { watchMaxDeliveries } from './max-deliveries.js';
import { MessageQueue } from './message-queue.js';
import { endOnDeletion, missingConsumerDelay } from './deletion.js';
import type { AnyEventEnvelope } from '../events/envelope.js';
import { receive } from './receive.js';
import { Outcomes, type BatchRun } from './outcomes.js';
import type { RetryPolicy } from './retry.js';
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
  /** how often replay requests are looked for when none is announced (`replayRequested`) */
  replayIntervalMs?: number;
}

/** A message as the loop knows it: parsed, or the reason it cannot be. */

/**
 * The one generic consumer loop. It takes what the pull delivers, up to a batch, and handles
 * the batch in one transaction (see `handleBatch`): every message is applied at most once per
 * consumer, the events handlers write commit with their state, acks follow the commit.
 * A message that cannot be parsed, has another type, or a `ce-source` other than the event's
 * owner is poison and never reaches a handler; how each message ends (ack, retry, dead letter)
 * is the error policy of `Outcomes`. A message that fails never takes its batch with it.
 */
export class ConsumerRunner {
  private readonly options: Required<Omit<ConsumerRunnerOptions, 'registry'>>;
  private readonly js;
  private readonly batchDeps: Omit<BatchDeps, 'log'>;
  private readonly outcomes: Outcomes;
  private readonly loops: Promise<void>[] = [];
  private readonly active = new Set<{ messages: ConsumerMessages; queue: MessageQueue }>();
  private stopping = false;
  /** aborted by stop: ends a backoff at once, so a stopping worker never waits one out */
  private readonly stopped = new AbortController();
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly lastResort: LastResort;
  private readonly deadLetters: DeadLetterDeps;
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
    const { topology, service, clock, db, outbox, retry } = this.options;
    this.js = jetstream(options.nc);
    this.batchDeps = { db, outbox, clock };
    this.deadLetters = { js: this.js, topology, service, clock };
    this.registry = options.registry;
    this.lastResort = new LastResort({ ...this.options, deadLetters: this.deadLetters, registry: options.registry });
    this.outcomes = new Outcomes({ deadLetters: this.deadLetters, retry, batch: this.batchDeps, lastResort: this.lastResort }, options.registry);
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
    this.stopped.abort();
    clearInterval(this.pruneTimer);
    for (const advisory of this.advisories) advisory.unsubscribe();
    for (const { messages, queue } of this.active) {
      messages.stop();
      queue.close();
    }
    await Promise.all(this.loops);
    await this.lastResort.stop();
  }

  /** A replay request was announced (REPLAY_CHANNEL): its sweep runs now. */
  replayRequested(): void {
    this.lastResort.replayRequested();
  }

  pruneProcessed(): Promise<number> {
    return pruneProcessed(this.options.db, this.options.processedRetentionMs, this.options.log);
  }

  private async consume(subscription: Subscription): Promise<void> {
    const { topology, log: baseLog, concurrency, batchSize, flushWaitMs } = this.options;
    const stream = topology.streamFor(subscription.consumer.event);
    const durable = subscription.consumer.durable;
    const log = baseLog.child({ consumer: durable });
    const window = batchSize * concurrency;
    let failures = 0;
    let ackWaitMs = subscription.consumer.ackWaitMs;
    while (!this.stopping) {
      let messages: ConsumerMessages;
      try {
        const consumer = await this.js.consumers.get(stream, durable);
        // the server's, which an operator may have changed since the migrator declared it
        ackWaitMs = millis((await consumer.info(true)).config.ack_wait ?? nanos(ackWaitMs));
        // Short pull requests: one left behind by a stopped replica expires soon, instead of
        // catching messages for 30 s that then wait out ack_wait before redelivery.
        messages = await consumer.consume({ max_messages: window, expires: 10_000 });
        failures = 0;
      } catch (error) {
        // a stop ends the wait (it rejects with an AbortError)
        await delay(missingConsumerDelay(++failures, error, log, stream), undefined, { signal: this.stopped.signal }).catch(() => undefined);
        continue;
      }
      const queue = new MessageQueue(messages, window, flushWaitMs);
      void endOnDeletion(messages, log);
      const entry = { messages, queue };
      this.active.add(entry);
      if (this.stopping) {
        messages.stop();
        queue.close();
      }
      log.info({ stream, batchSize, concurrency }, 'consuming');
      // each batch being handled, with its messages
      const inFlight = new Map<Promise<void>, JsMsg[]>();
      // While a batch is being handled, its messages are reported in progress every third of
      // ack_wait, so a batch that outlasts it (a mail server or a card gateway that hangs until
      // its timeout, for each message in turn) has none of them delivered again meanwhile: a second
      // delivery would only wait for this one's locks, and spend an attempt of the message's
      // retry budget. Messages still queued are not: another replica may take those. (A message
      // acked, nak'ed or terminated already is not reported again: the client sends nothing more.)
      const heartbeat = setInterval(() => {
        for (const batch of inFlight.values()) for (const message of batch) message.working();
      }, Math.max(ackWaitMs / 3, 100));
      heartbeat.unref();
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
        inFlight.set(done, taken);
        if (inFlight.size >= concurrency) await Promise.race(inFlight.keys());
      }
      await Promise.all(inFlight.keys());
      clearInterval(heartbeat);
      for (const message of queue.drain()) message.nak();
      await queue.pumped;
      this.active.delete(entry);
    }
  }

  private async process(subscription: Subscription, batch: JsMsg[], log: Logger): Promise<void> {
    const run: BatchRun = { subscription, log, started: performance.now() };
    const { maxAttempts, durable } = subscription.consumer;
    const items: Array<BatchItem & { message: JsMsg; event: AnyEventEnvelope }> = [];
    const settling: Array<Promise<void> | undefined> = [];
    for (const received of batch.map((message) => receive(this.options.service, subscription, message))) {
      if ('poison' in received) {
        settling.push(this.outcomes.deadLetter(run, received.message, received.poison, undefined));
        continue;
      }
      const { message, event, scope } = received;
      const delivery = message.info.deliveryCount;
      if (delivery > maxAttempts) {
        settling.push(this.outcomes.overDelivered(run, message, event, scope));
        continue;
      }
      const locks = subscription.locks?.(event as never) ?? [];
      items.push({ key: event.id, delivery, locks, scope, message, event, run: (work) => subscription.handle(event as never, work) });
    }
    if (items.length > 0) {
      try {
        const { prefetch } = subscription;
        await handleBatch({ ...this.batchDeps, log }, durable, items, prefetch && ((ran, work) => prefetch(ran.map((item) => item.event) as never, work)));
      } catch (error) {
        // the transaction failed as a whole: every message in it is retried
        for (const item of items) if (item.result?.kind !== 'failed') item.result = { kind: 'failed', error };
      }
      this.outcomes.observeBatch(durable, items.length);
    }
    for (const { message, event, scope, result } of items) {
      if (!result || result.kind === 'failed') settling.push(this.outcomes.failed(run, message, event, scope, result ? result.error : new Error('not run')));
      else this.outcomes.done(run, message, scope, result.kind);
    }
    await Promise.all(settling);
  }
}
