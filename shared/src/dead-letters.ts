import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { readStream } from './nats/read-stream.js';
import type { Topology } from './nats/topology.js';

export interface DeadLetter {
  seq: number;
  service: string;
  consumer: string;
  error: string;
  errorKind: string;
  originalSubject: string;
  deliveryCount: number;
  deadAt: string;
  eventId: string;
  eventType: string;
  subject: string;
  data: unknown;
}

/** Dead letters in the DLQ stream, oldest first, optionally of one service. */
export async function listDeadLetters(nc: NatsConnection, topology: Topology, filter: { service?: string } = {}): Promise<DeadLetter[]> {
  const messages = await readStream(nc, topology.stream('DLQ'));
  return messages
    .map((m) => ({
      seq: m.seq,
      service: m.headers['dlq-service'] ?? '',
      consumer: m.headers['dlq-consumer'] ?? '',
      error: m.headers['dlq-error'] ?? '',
      errorKind: m.headers['dlq-error-kind'] ?? '',
      originalSubject: m.headers['dlq-original-subject'] ?? '',
      deliveryCount: Number(m.headers['dlq-delivery-count'] ?? 0),
      deadAt: m.headers['dlq-time'] ?? '',
      eventId: m.headers['ce-id'] ?? '',
      eventType: m.headers['ce-type'] ?? '',
      subject: m.headers['ce-subject'] ?? '',
      data: m.data,
    }))
    .filter((d) => !filter.service || d.service === filter.service);
}

/**
 * Publishes a dead letter again to its original subject, with its original CloudEvents
 * headers, and removes it from the DLQ once JetStream has stored the copy (`make dlq-replay`, as
 * the migrator user; an api replays through its own worker instead, see admin/replay-request.ts). Consumers that
 * handled the event before skip it (processed-messages); the one that failed gets it again.
 */
export async function replayDeadLetter(nc: NatsConnection, topology: Topology, seq: number): Promise<{ seq: number; subject: string; eventId: string }> {
  const jsm = await jetstreamManager(nc);
  const stream = topology.stream('DLQ');
  const message = await jsm.streams.getMessage(stream, { seq });
  if (!message) throw new Error(`no dead letter ${seq} in ${stream}`);
  const original = message.header?.get('dlq-original-subject');
  if (!original) throw new Error(`dead letter ${seq} has no dlq-original-subject header`);
  const h = natsHeaders();
  for (const [key, values] of message.header ?? []) {
    if (key.toLowerCase().startsWith('dlq-') || key.toLowerCase() === 'nats-msg-id') continue;
    for (const value of values) h.append(key, value);
  }
  const eventId = message.header?.get('ce-id') ?? '';
  h.set('Nats-Msg-Id', `replay:${eventId}:${seq}`);
  await jetstream(nc).publish(original, message.data, { headers: h });
  await jsm.streams.deleteMessage(stream, seq);
  return { seq, subject: original, eventId };
}

export interface ReplayOutcome {
  replayed: number[];
  failed: { seq: number; error: string }[];
}
