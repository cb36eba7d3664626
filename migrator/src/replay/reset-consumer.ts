import { DeliverPolicy, jetstreamManager } from '@nats-io/jetstream';
import { consumerConfig, type ConsumerDeclaration, type Logger, type NatsConnection, type ServiceDescriptor, type Topology } from '@order-platform/shared';

/** Where a replayed consumer starts: the stream's first message, a stream sequence, or the first message stored at or after a time. */
export type ReplayStart = { from: 'start' } | { from: 'seq'; seq: number } | { from: 'time'; time: Date };

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `FROM`: `start`, a stream sequence (1 or more), or an RFC 3339 time with its offset. */
export function parseReplayStart(text: string): ReplayStart {
  if (text === 'start') return { from: 'start' };
  if (/^[1-9]\d*$/.test(text)) return { from: 'seq', seq: Number(text) };
  if (rfc3339.test(text) && !Number.isNaN(Date.parse(text))) return { from: 'time', time: new Date(text) };
  throw new Error(`FROM must be a stream sequence (1, 2, …), an RFC 3339 time (2026-03-14T09:00:00Z) or "start", not "${text}"`);
}

/** A service's consumer by its durable name (`analytics-service-orders-created`) or its event (`orders.created`). */
export function findConsumer(descriptor: ServiceDescriptor, name: string): ConsumerDeclaration {
  const found = descriptor.consumers.find((c) => c.durable === name || c.event === name);
  if (!found) throw new Error(`${descriptor.service} has no consumer "${name}"; it has ${descriptor.consumers.map((c) => c.durable).join(', ')}`);
  return found;
}

export interface ReplayResult {
  stream: string;
  durable: string;
  /** the messages the recreated consumer has to deliver */
  pending: number;
}

/**
 * Moves a durable consumer back. nats-server 2.9 cannot change a consumer's start in place, so it
 * is deleted and created again with its declared config (shared/src/nats/topology.ts) and the
 * new start. Its running workers notice the deletion, get the consumer again and go on from the
 * new start (shared/src/consumer/runner.ts); events they applied before are skipped as
 * duplicates by their processed-message rows.
 */
export async function resetConsumer(nc: NatsConnection, topology: Topology, consumer: ConsumerDeclaration, start: ReplayStart, log: Logger): Promise<ReplayResult> {
  const jsm = await jetstreamManager(nc);
  const stream = topology.streamFor(consumer.event);
  await jsm.consumers.info(stream, consumer.durable).catch((error: unknown) => {
    throw new Error(`consumer ${consumer.durable} on ${stream} not found (${(error as Error).message}): run the service's migrator first`);
  });
  const startConfig =
    start.from === 'seq'
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.seq }
      : start.from === 'time'
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.time.toISOString() }
        : { deliver_policy: DeliverPolicy.All };
  await jsm.consumers.delete(stream, consumer.durable);
  const created = await jsm.consumers.add(stream, { ...consumerConfig(topology, consumer), ...startConfig });
  log.info({ stream, consumer: consumer.durable, ...startConfig, pending: created.num_pending }, 'consumer reset');
  return { stream, durable: consumer.durable, pending: created.num_pending };
}
