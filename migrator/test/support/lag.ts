import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { EventType, NatsConnection, Topology } from '@order-platform/shared';

/** Publishes `count` messages to an event's subject: backlog for its consumers. */
export async function publishMany(nc: NatsConnection, topology: Topology, type: EventType, count: number): Promise<void> {
  const js = jetstream(nc);
  await Promise.all(Array.from({ length: count }, (_, i) => js.publish(topology.subject(type), JSON.stringify({ i }))));
}

/** Takes and acknowledges everything a durable consumer has, as its workers would. */
export async function drainConsumer(nc: NatsConnection, stream: string, durable: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const consumer = await jetstream(nc).consumers.get(stream, durable);
  for (;;) {
    const info = await jsm.consumers.info(stream, durable);
    if (info.num_pending === 0 && info.num_ack_pending === 0) return;
    for await (const m of await consumer.fetch({ max_messages: Math.max(1, info.num_pending), expires: 1000 })) await m.ackAck();
  }
}

/**
 * Wraps a read so a test can hold it back: `pause()` resolves once no read is in flight, and no
 * read starts until `resume()`. Publishing a backlog between the two makes it appear to the
 * autoscaler all at once, instead of a tick catching half of it.
 */
export function pausable<T>(read: () => Promise<T>) {
  let paused = false;
  let inFlight = 0;
  let resume = (): void => undefined;
  let resumed = Promise.resolve();
  return {
    async read(): Promise<T> {
      while (paused) await resumed;
      inFlight++;
      try {
        return await read();
      } finally {
        inFlight--;
      }
    },
    async pause(): Promise<void> {
      paused = true;
      resumed = new Promise((resolve) => (resume = resolve));
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    resume(): void {
      paused = false;
      resume();
    },
  };
}
