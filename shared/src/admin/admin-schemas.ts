import { Type, type Static } from '@sinclair/typebox';
import { OrderId, Timestamp } from '../events/fields.js';

/**
 * The bodies of the admin endpoints every api serves (admin-routes.ts), for the operator
 * console. Each schema documents the route in /openapi.json; each example is checked against
 * its schema by system-tests.
 */
const Count = Type.Integer({ minimum: 0 });
const Seq = Type.Integer({ minimum: 1 });
const NullableText = Type.Union([Type.String(), Type.Null()]);

export const ConsumersBody = Type.Object({
  service: Type.String(),
  consumers: Type.Array(
    Type.Object({
      stream: Type.String(),
      durable: Type.String(),
      filterSubject: Type.String(),
      pending: Type.Integer({ minimum: 0, description: 'in the stream, not delivered to the consumer yet' }),
      ackPending: Type.Integer({ minimum: 0, description: 'delivered, not acknowledged yet' }),
      redelivered: Type.Integer({ minimum: 0, description: 'delivered more than once and not acknowledged yet' }),
      waiting: Type.Integer({ minimum: 0, description: 'pull requests waiting for messages: roughly, idle workers' }),
      lastDelivered: Type.Union([Timestamp, Type.Null()]),
    }),
  ),
  outbox: Type.Object({
    backlog: Type.Integer({ minimum: 0, description: 'outbox rows not published yet' }),
    oldestAgeMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'age of the oldest unpublished row; null when there is none' }),
  }),
});
export type ConsumersBody = Static<typeof ConsumersBody>;

export const consumersExample: ConsumersBody = {
  service: 'stock-service',
  consumers: [
    {
      stream: 'ORDERS',
      durable: 'stock-service-orders-created',
      filterSubject: 'orders.created',
      pending: 12,
      ackPending: 3,
      redelivered: 1,
      waiting: 1,
      lastDelivered: '2026-03-14T09:26:53.601Z',
    },
  ],
  outbox: { backlog: 4, oldestAgeMs: 120 },
};

export const DeadLetterItem = Type.Object({
  seq: Seq,
  subject: Type.String({ description: "the event's CloudEvents subject (`ce-subject`): an order id or a sku" }),
  originalSubject: Type.String({ description: 'the NATS subject it was consumed from' }),
  consumer: Type.String(),
  error: Type.String(),
  deliveries: Count,
  time: Type.String({ description: 'when it was dead-lettered (RFC 3339)' }),
  orderId: Type.Union([OrderId, Type.Null()], { description: "the order it concerns (the payload's orderId), or null" }),
});
export const DeadLettersBody = Type.Object({ deadLetters: Type.Array(DeadLetterItem) });
export type DeadLettersBody = Static<typeof DeadLettersBody>;

export const deadLettersExample: DeadLettersBody = {
  deadLetters: [
    {
      seq: 42,
      subject: '0c9a3c52-6a55-4a3e-9d7e-1f0d3b9a6e42',
      originalSubject: 'orders.created',
      consumer: 'stock-service-orders-created',
      error: 'could not serialize access due to concurrent update',
      deliveries: 8,
      time: '2026-03-14T09:27:10.000Z',
      orderId: '0c9a3c52-6a55-4a3e-9d7e-1f0d3b9a6e42',
    },
  ],
};

export const ReplayRequest = Type.Union([
  Type.Object({ seqs: Type.Array(Seq, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
  Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
]);
export type ReplayRequest = Static<typeof ReplayRequest>;

export const ReplayBody = Type.Object({
  replayed: Type.Array(Seq),
  failed: Type.Array(Type.Object({ seq: Seq, error: Type.String() })),
});
export type ReplayBody = Static<typeof ReplayBody>;

export const replayExample: ReplayBody = { replayed: [42, 43], failed: [{ seq: 7, error: 'no dead letter 7 of stock-service' }] };

export const OrderRecord = Type.Object({
  at: Timestamp,
  kind: Type.String({ description: 'what the record is, e.g. `transition`, `reservation`, `payment`, `gateway-attempt`, `notification`' }),
  summary: Type.String(),
  details: Type.Object({}, { additionalProperties: true }),
});
export type OrderRecord = Static<typeof OrderRecord>;

export const HandledEvent = Type.Object({
  at: Timestamp,
  consumer: Type.String(),
  subject: NullableText,
  messageId: Type.String({ description: 'the event id (`ce-id`); `<id>:exhausted` for an on-exhausted hook' }),
  streamSeq: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  deliveries: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  traceId: NullableText,
});
export type HandledEvent = Static<typeof HandledEvent>;

export const OrderRecordsBody = Type.Object({
  service: Type.String(),
  orderId: OrderId,
  records: Type.Array(OrderRecord),
  handled: Type.Array(HandledEvent),
});
export type OrderRecordsBody = Static<typeof OrderRecordsBody>;

export const orderRecordsExample: OrderRecordsBody = {
  service: 'payment-service',
  orderId: '0c9a3c52-6a55-4a3e-9d7e-1f0d3b9a6e42',
  records: [
    { at: '2026-03-14T09:26:53.601Z', kind: 'payment', summary: 'payment opened for 51.98 EUR', details: { paymentId: '3e8f1a2b-5c6d-4e7f-8a9b-1c2d3e4f5a6b', status: 'captured' } },
    { at: '2026-03-14T09:26:53.640Z', kind: 'capture', summary: 'captured 51.98 EUR', details: { attempt: 1 } },
  ],
  handled: [
    {
      at: '2026-03-14T09:26:53.590Z',
      consumer: 'payment-service-stock-reserved',
      subject: 'stock.reserved',
      messageId: '6d1f0e2a-8b7c-4d5e-9f01-23456789abcd',
      streamSeq: 311,
      deliveries: 1,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    },
  ],
};
