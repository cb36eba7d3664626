import type { Knex } from 'knex';
import type { NatsConnection } from '@nats-io/transport-node';
import { readConsumerStates } from '../consumer/lag.js';
import { listDeadLetters } from '../dead-letters.js';
import type { ConsumerDeclaration, Topology } from '../nats/topology.js';
import type { ConsumersBody, DeadLettersBody, HandledEvent } from './admin-schemas.js';

/** What the admin endpoints read: the service's own database, and NATS through its own connection. */
export interface AdminDeps {
  service: string;
  db: Knex;
  nc: NatsConnection;
  topology: Topology;
  /** the durable consumers the service's worker runs (its descriptor's) */
  consumers: ConsumerDeclaration[];
}

/** Each durable consumer's state, and the outbox rows not published yet (the partial index `outbox_unpublished` holds exactly those). */
export async function readConsumersAndOutbox(deps: AdminDeps): Promise<ConsumersBody> {
  const [states, backlog] = await Promise.all([
    readConsumerStates(deps.nc, deps.topology, deps.consumers),
    deps.db.raw<{ rows: { backlog: number; oldest_age_ms: number | null }[] }>(
      `select count(*)::int as backlog, (extract(epoch from now() - min(created_at)) * 1000)::int8 as oldest_age_ms
         from outbox where published_at is null`,
    ),
  ]);
  const row = backlog.rows[0]!;
  return {
    service: deps.service,
    consumers: states,
    outbox: { backlog: row.backlog, oldestAgeMs: row.oldest_age_ms === null ? null : Math.max(0, Number(row.oldest_age_ms)) },
  };
}

/** The service's dead letters, oldest first. */
export async function readDeadLetters(deps: AdminDeps): Promise<DeadLettersBody> {
  const letters = await listDeadLetters(deps.nc, deps.topology, { service: deps.service });
  return {
    deadLetters: letters.map((d) => ({
      seq: d.seq,
      subject: d.subject,
      originalSubject: d.originalSubject,
      consumer: d.consumer,
      error: d.error,
      deliveries: d.deliveryCount,
      time: d.deadAt,
      orderId: orderIdOf(d.data),
    })),
  };
}

/**
 * The events this service's consumers handled for one entity (an order id), oldest first, from
 * `processed_messages` (index `processed_messages_entity`). Rows are pruned after the consumer's
 * retention (14 days by default), so older events are no longer listed.
 */
export async function readHandled(db: Knex, entityId: string): Promise<HandledEvent[]> {
  const rows = await db.raw<{ rows: { at: Date; consumer: string; subject: string | null; message_id: string; stream_seq: string | null; deliveries: number | null; trace_id: string | null }[] }>(
    `select processed_at as at, consumer, subject, message_id, stream_seq, deliveries, trace_id
       from processed_messages where entity_id = ? order by processed_at, consumer, message_id limit 1000`,
    [entityId],
  );
  return rows.rows.map((r) => ({
    at: r.at.toISOString(),
    consumer: r.consumer,
    subject: r.subject,
    messageId: r.message_id,
    streamSeq: r.stream_seq === null ? null : Number(r.stream_seq),
    deliveries: r.deliveries,
    traceId: r.trace_id,
  }));
}

function orderIdOf(data: unknown): string | null {
  const orderId = (data as { orderId?: unknown } | null)?.orderId;
  return typeof orderId === 'string' ? orderId : null;
}
