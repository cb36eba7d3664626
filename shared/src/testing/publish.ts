import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { envelopeHeaders } from '../events/envelope.js';
import type { EventPayloads, EventType } from '../events/contracts.js';
import { ownerSourceOf } from '../nats/streams.js';
import type { Topology } from '../nats/topology.js';

/**
 * Publishes an event into a namespace as its producing service's relay would (with its
 * `ce-source` unless `source` says otherwise). Passing the `id` of an earlier event with another
 * `msgId` simulates a redelivery that JetStream's duplicate window would otherwise drop.
 */
export async function publishEvent<T extends EventType>(
  nc: NatsConnection,
  topology: Topology,
  type: T,
  data: EventPayloads[T],
  options: { subject: string; id?: string; msgId?: string; source?: string; traceparent?: string },
): Promise<string> {
  const id = options.id ?? crypto.randomUUID();
  const headers = envelopeHeaders({ id, type, source: options.source ?? ownerSourceOf(type), subject: options.subject, time: new Date().toISOString(), traceparent: options.traceparent });
  if (options.msgId) headers.set('Nats-Msg-Id', options.msgId);
  await jetstream(nc).publish(topology.subject(type), JSON.stringify(data), { headers });
  return id;
}
