import type { EventType } from '../events/contracts.js';

/**
 * Which stream holds each subject, and which service may publish to it: a subject
 * `<domain>.<event>` lives in its domain's stream, and only the domain's owner publishes there
 * (docs/architecture.md, "Events"). Topology turns these names into namespaced streams.
 */
export const domainStreams = { orders: 'ORDERS', stock: 'STOCK', payments: 'PAYMENTS' } as const;
export type StreamName = (typeof domainStreams)[keyof typeof domainStreams] | 'DLQ';

/** The one service that publishes each domain's events. */
export const domainOwners = { orders: 'order-service', stock: 'stock-service', payments: 'payment-service' } as const satisfies Record<keyof typeof domainStreams, string>;

type Domain = keyof typeof domainStreams;

function domainOf(type: EventType): Domain {
  return type.slice(0, type.indexOf('.')) as Domain;
}

/** The stream that owns an event type: ORDERS, STOCK or PAYMENTS. */
export function streamOf(type: EventType): StreamName {
  return domainStreams[domainOf(type)];
}

/** The service that publishes an event type. */
export function producerOf(type: EventType): (typeof domainOwners)[Domain] {
  return domainOwners[domainOf(type)];
}

/** The `ce-source` an event must carry: its producer's, as that service's Outbox sets it (`/<service>`). */
export function ownerSourceOf(type: EventType): string {
  return `/${producerOf(type)}`;
}
