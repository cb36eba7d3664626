import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, jetstreamManager, type ConsumerConfig, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type { EventType } from '../events/contracts.js';
import { domainStreams, streamOf, type StreamName } from './streams.js';
import type { Logger } from '../logger.js';

/**
 * Where events live in NATS. A namespace (empty in production) prefixes every subject and
 * stream name so several isolated copies of the system can share one server, as tests do.
 */
export class Topology {
  constructor(readonly namespace = '') {
    if (!/^[a-z0-9_-]*$/.test(namespace)) throw new Error(`invalid NATS namespace "${namespace}"`);
  }

  subject(type: EventType): string {
    return this.namespace ? `${this.namespace}.${type}` : type;
  }

  /** The event type of a subject in this namespace, or undefined. */
  eventTypeOf(subject: string): string | undefined {
    if (!this.namespace) return subject;
    return subject.startsWith(`${this.namespace}.`) ? subject.slice(this.namespace.length + 1) : undefined;
  }

  stream(name: StreamName): string {
    return this.namespace ? `${this.namespace}_${name}` : name;
  }

  streamFor(type: EventType): string {
    return this.stream(streamOf(type));
  }

  dlqSubject(service: string, consumer: string): string {
    const subject = `dlq.${service}.${consumer}`;
    return this.namespace ? `${this.namespace}.${subject}` : subject;
  }

  streamSubjects(name: StreamName): string[] {
    const domain = name === 'DLQ' ? 'dlq' : Object.entries(domainStreams).find(([, s]) => s === name)![0];
    return [this.namespace ? `${this.namespace}.${domain}.>` : `${domain}.>`];
  }
}

/** A durable pull consumer of one event type, declared by the migrator of the consuming service. */
export interface ConsumerDeclaration {
  /** durable name, unique within the stream: `<service>-<event>` */
  durable: string;
  event: EventType;
  /** deliveries the runner attempts before dead-lettering */
  maxAttempts: number;
  ackWaitMs: number;
  maxAckPending: number;
}

/**
 * Deliveries beyond `maxAttempts` the server still makes. The runner dead-letters at
 * `maxAttempts`; the spare deliveries exist so that a crash, or NATS being away while the
 * dead letter is written, never lets the server drop a message silently.
 */
export const SPARE_DELIVERIES = 3;

export function consumerName(service: string, event: EventType): string {
  return `${service}-${event.replace('.', '-')}`;
}

export function declareConsumer<T extends EventType>(
  service: string,
  event: T,
  overrides: Partial<Omit<ConsumerDeclaration, 'event'>> = {},
): ConsumerDeclaration & { event: T } {
  return { durable: consumerName(service, event), event, maxAttempts: 8, ackWaitMs: 30_000, maxAckPending: 1000, ...overrides };
}

export interface StreamSettings {
  replicas: number;
  maxAgeMs: number;
  duplicateWindowMs: number;
}

export const defaultStreamSettings: StreamSettings = {
  replicas: 1,
  maxAgeMs: 7 * 24 * 3600 * 1000,
  // Long enough for a relay that died between publishing and marking to be replaced and
  // republish; consumers are idempotent beyond it anyway.
  duplicateWindowMs: 2 * 60 * 1000,
};

export function streamConfig(topology: Topology, name: StreamName, settings: StreamSettings): Partial<StreamConfig> & { name: string } {
  return {
    name: topology.stream(name),
    subjects: topology.streamSubjects(name),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: settings.replicas,
    // dead letters wait for an operator; keep them four times longer than events
    max_age: nanos(name === 'DLQ' ? settings.maxAgeMs * 4 : settings.maxAgeMs),
    duplicate_window: nanos(settings.duplicateWindowMs),
  };
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || e?.api_error?.err_code === 10014 || /not found/i.test(e?.message ?? '');
}

/**
 * Creates or updates streams and durable consumers so that they match the declarations.
 * Idempotent, and safe when several migrators run at once (creating an identical stream or
 * consumer twice is accepted by the server).
 */
export async function declareTopology(
  nc: NatsConnection,
  topology: Topology,
  declarations: { streams: StreamName[]; consumers: ConsumerDeclaration[] },
  settings: StreamSettings,
  log: Logger,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const streams = new Set<StreamName>([...declarations.streams, ...declarations.consumers.map((c) => streamOf(c.event))]);
  for (const name of streams) await ensureStream(jsm, streamConfig(topology, name, settings), log);
  for (const consumer of declarations.consumers) await ensureConsumer(jsm, topology, consumer, log);
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }, log: Logger): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
    log.info({ stream: config.name }, 'stream up to date');
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.streams.add(config);
    log.info({ stream: config.name, subjects: config.subjects }, 'stream created');
  }
}

/** What the server may change in place on an existing consumer. */
function mutableConsumerConfig(consumer: ConsumerDeclaration) {
  return {
    ack_wait: nanos(consumer.ackWaitMs),
    max_deliver: consumer.maxAttempts + SPARE_DELIVERIES,
    max_ack_pending: consumer.maxAckPending,
  };
}

/**
 * A declared consumer's whole config: it starts at the first message its stream still holds
 * (DeliverPolicy.All), so a consumer declared after events were published backfills them. A
 * replay (migrator/src/replay) recreates it with the same config and another start.
 */
export function consumerConfig(topology: Topology, consumer: ConsumerDeclaration): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: consumer.durable,
    filter_subject: topology.subject(consumer.event),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ...mutableConsumerConfig(consumer),
  };
}

async function ensureConsumer(jsm: JetStreamManager, topology: Topology, consumer: ConsumerDeclaration, log: Logger): Promise<void> {
  const stream = topology.streamFor(consumer.event);
  try {
    await jsm.consumers.info(stream, consumer.durable);
    await jsm.consumers.update(stream, consumer.durable, mutableConsumerConfig(consumer));
    log.info({ stream, consumer: consumer.durable }, 'consumer up to date');
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.consumers.add(stream, consumerConfig(topology, consumer));
    log.info({ stream, consumer: consumer.durable, subject: topology.subject(consumer.event) }, 'consumer created');
  }
}
