import { jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection, Subscription as NatsSubscription } from '@nats-io/transport-node';
import { Counter, type Registry } from 'prom-client';
import { parseEnvelope } from '../events/envelope.js';
import type { Logger } from '../logger.js';
import type { Topology } from '../nats/topology.js';
import { writeDeadLetter, type DeadLetterDeps } from './dead-letter.js';
import type { LastResort } from './last-resort.js';
import type { Subscription } from './subscription.js';

interface Advisory {
  stream: string;
  consumer: string;
  stream_seq: number;
  deliveries: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * JetStream stops redelivering a message once `max_deliver` is reached, and says so only in an
 * advisory (`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>`). The loop dead-letters
 * at `maxAttempts`, before that, so an advisory means a message slipped past every retry: it is
 * counted (`consumer_max_deliveries_total`), logged as an error, and, as a last resort, read back
 * from its stream, dead-lettered, and its on-exhausted hook kept for the sweep (so its failure
 * event is still published). Every replica hears the advisory; the dead letter's Nats-Msg-Id and
 * the kept row's key make the copies one.
 */
export function watchMaxDeliveries(options: {
  nc: NatsConnection;
  topology: Topology;
  subscriptions: Subscription[];
  deadLetters: DeadLetterDeps;
  lastResort: LastResort;
  log: Logger;
  registry?: Registry | undefined;
}): NatsSubscription[] {
  const { nc, topology, log } = options;
  const counter = new Counter({ name: 'consumer_max_deliveries_total', help: 'JetStream max-deliveries advisories: messages the server stopped redelivering', labelNames: ['consumer'], registers: options.registry ? [options.registry] : [] });
  return options.subscriptions.map((subscription) => {
    const { durable, event } = subscription.consumer;
    const stream = topology.streamFor(event);
    return nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`, {
      callback: (_error, msg) => {
        const advisory = msg.json<Advisory>();
        counter.inc({ consumer: durable });
        log.error({ consumer: durable, stream: advisory.stream, streamSeq: advisory.stream_seq, deliveries: advisory.deliveries }, 'JetStream reached max deliveries for a message; recovering it from the stream');
        void recover(options, subscription, advisory).catch((error: unknown) => log.error({ err: error, consumer: durable, streamSeq: advisory.stream_seq, stream }, 'could not recover a message past max deliveries'));
      },
    });
  });
}

async function recover(options: Parameters<typeof watchMaxDeliveries>[0], subscription: Subscription, advisory: Advisory): Promise<void> {
  const { durable } = subscription.consumer;
  const log = options.log.child({ consumer: durable, streamSeq: advisory.stream_seq });
  for (let attempt = 1; attempt <= 20; attempt++) {
    try {
      const jsm = await jetstreamManager(options.nc);
      const stored = await jsm.streams.getMessage(advisory.stream, { seq: advisory.stream_seq });
      if (!stored) throw new Error('the message is no longer in its stream');
      const message = { subject: stored.subject, seq: stored.seq, headers: stored.header, data: stored.data, info: { stream: advisory.stream, deliveryCount: advisory.deliveries } } as unknown as JsMsg;
      const error = new Error(`JetStream reached max deliveries (${advisory.deliveries})`);
      if (!(await writeDeadLetter(options.deadLetters, durable, message, error, log))) throw new Error('dead letter not written');
      if (!subscription.onExhausted) return;
      const event = parseEnvelope({ headers: stored.header, data: stored.data });
      const origin = { subject: stored.subject, seq: stored.seq, deliveries: advisory.deliveries, traceparent: event.traceparent };
      if (await options.lastResort.hold(durable, event, origin, error, log)) return;
      throw new Error('could not keep it for the sweep');
    } catch (error) {
      if (attempt === 20) throw error;
      log.warn({ err: error, attempt }, 'recovering a message past max deliveries failed; will retry');
      await sleep(Math.min(30_000, 500 * 2 ** attempt));
    }
  }
}
