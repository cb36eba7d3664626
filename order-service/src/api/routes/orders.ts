import { AppError, CustomerId, Money, PaymentMethodId, route, Sku, Timestamp, type Role, type RouteDefinition } from '@order-platform/shared';
import type { UseCaseDeps } from '../../domain/deps.js';
import { cancelOrder } from '../../domain/cancel-order.js';
import { findOrders, getOrder, type OrderQuery } from '../../domain/find-orders.js';
import { orderHistory } from '../../domain/order-history.js';
import { watchOrder, type StreamDeps } from '../../domain/watch-order.js';
import { placeOrder, type PlaceOrderRequest } from '../../domain/place-order.js';

const statuses = ['pending', 'stock_reserved', 'confirmed', 'cancelled'];
const sku = Sku;
const customerId = { ...CustomerId, description: "the customer (a token's `sub`)" } as const;
const customers: Role[] = ['customer', 'admin'];
const idParams = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] } as const;

const placeOrderBody = {
  type: 'object',
  properties: {
    customerId,
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        properties: { sku, quantity: { type: 'integer', minimum: 1, maximum: 1000 } },
        required: ['sku', 'quantity'],
        additionalProperties: false,
      },
    },
    payment: {
      type: 'object',
      properties: { method: { const: 'card' }, paymentMethodId: { ...PaymentMethodId, description: 'from POST /payment-methods on payment-service' } },
      required: ['method', 'paymentMethodId'],
      additionalProperties: false,
    },
  },
  // customerId: a customer's is their token's subject (naming another is 403); an admin names one
  required: ['items', 'payment'],
  additionalProperties: false,
} as const;

const orderSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    customerId,
    status: { enum: statuses },
    cancellationReason: { type: ['string', 'null'] },
    items: { type: 'array', items: { type: 'object', properties: { sku, quantity: { type: 'integer' }, unitPrice: Money } } },
    total: Money,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    waitingFor: {
      description: 'what a pending or stock_reserved order waits for, and since when; null once confirmed or cancelled',
      oneOf: [
        { type: 'object', properties: { what: { type: 'string' }, since: Timestamp }, required: ['what', 'since'], additionalProperties: false },
        { type: 'null' },
      ],
    },
  },
} as const;

const historyEntrySchema = {
  type: 'object',
  properties: {
    from: { enum: [...statuses, null] },
    to: { enum: statuses },
    cause: { type: 'string', description: 'what moved it: a request or the type of the event that did' },
    eventId: { type: ['string', 'null'], description: 'the id of that event, if an event' },
    reason: { type: ['string', 'null'], description: 'the cancellation reason, when cancelled' },
    at: { type: 'string', format: 'date-time' },
  },
  required: ['from', 'to', 'cause', 'eventId', 'reason', 'at'],
  additionalProperties: false,
} as const;

const pageSchema = {
  type: 'object',
  properties: { items: { type: 'array', items: orderSchema }, nextCursor: { type: ['string', 'null'], description: 'pass as `cursor` for the next page; null on the last' } },
  required: ['items', 'nextCursor'],
  additionalProperties: false,
} as const;

const orderId = '0c9a3c52-6a55-4a3e-9d7e-1f0d3b9a6e42';
const placeOrderExample = { items: [{ sku: 'KETTLE-1', quantity: 2 }], payment: { method: 'card', paymentMethodId: 'pm_6f1d2c8e-3b7a-4c59-a0e1-9d2f4b8c7a15' } };
const orderExample = (status: string, cancellationReason: string | null = null) => ({
  id: orderId,
  customerId: 'cust-ada',
  status,
  cancellationReason,
  items: [{ sku: 'KETTLE-1', quantity: 2, unitPrice: { amount: 2599, currency: 'EUR' } }],
  total: { amount: 5198, currency: 'EUR' },
  createdAt: '2026-03-14T09:26:53.589Z',
  updatedAt: '2026-03-14T09:26:53.589Z',
  waitingFor: status === 'pending' ? { what: 'stock-service: stock.reserved (reservation)', since: '2026-03-14T09:26:53.589Z' } : null,
});
const historyExample = [
  { from: null, to: 'pending', cause: 'POST /orders', eventId: null, reason: null, at: '2026-03-14T09:26:53.589Z' },
  { from: 'pending', to: 'stock_reserved', cause: 'stock.reserved', eventId: '2b7e1f0a-4c3d-4e5f-8a9b-0c1d2e3f4a5b', reason: null, at: '2026-03-14T09:26:53.612Z' },
  { from: 'stock_reserved', to: 'confirmed', cause: 'payments.captured', eventId: '7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d', reason: null, at: '2026-03-14T09:26:53.655Z' },
];
const streamExample = `retry: 1000\n\nid: 2\nevent: status\ndata: ${JSON.stringify({ id: orderId, status: 'stock_reserved', from: 'pending', cancellationReason: null, cause: 'stock.reserved', at: '2026-03-14T09:26:53.612Z' })}\n\n`;

const listQuery = {
  type: 'object',
  properties: {
    customerId,
    q: { type: 'string', minLength: 1, maxLength: 128, description: "search: an order id (exact) or a customer id (exact); a customer's search stays within their own orders" },
    status: { enum: statuses },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: { type: 'string', maxLength: 200 },
  },
  additionalProperties: false,
} as const;

export function orderRoutes(deps: UseCaseDeps, streams: StreamDeps): RouteDefinition[] {
  return [
    route<PlaceOrderRequest>({
      method: 'post', path: '/orders', tag: 'orders', summary: 'Place an order (prices come from the catalog)', access: customers, body: placeOrderBody, bodyExample: placeOrderExample,
      headers: { 'Idempotency-Key': 'retry-safe key: the same key and body return the first answer' },
      responses: { 202: { description: 'accepted; the saga continues', schema: orderSchema, example: orderExample('pending') }, 400: { description: 'invalid body' }, 403: { description: "a customer naming another customer's id" }, 422: { description: 'unknown or inactive sku, or key reused' } },
      async handle({ body, header, principal }) {
        const { order, replayed } = await placeOrder(deps, principal, body, header('idempotency-key'));
        return { status: 202, body: order, headers: { Location: `/orders/${order.id}`, ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}) } };
      },
    }),
    route<unknown, unknown, { id: string }>({
      method: 'get', path: '/orders/:id', tag: 'orders', summary: 'One order', access: customers, params: idParams,
      responses: { 200: { description: 'the order', schema: orderSchema, example: orderExample('confirmed') }, 404: { description: 'no such order (or not yours)' } },
      handle: async ({ params, principal }) => ({ status: 200, body: await getOrder(deps.db, params.id, principal) }),
    }),
    route<unknown, unknown, { id: string }>({
      method: 'post', path: '/orders/:id/cancel', tag: 'orders', summary: 'Cancel an order (pending, stock reserved or confirmed)', access: customers, params: idParams,
      responses: { 202: { description: 'cancelled; stock and money are given back', schema: orderSchema, example: orderExample('cancelled', 'customer_request') }, 404: { description: 'no such order (or not yours)' }, 409: { description: 'already cancelled' } },
      handle: async ({ params, principal }) => ({ status: 202, body: await cancelOrder(deps, params.id, principal) }),
    }),
    route<unknown, unknown, { id: string }>({
      method: 'get', path: '/orders/:id/events', tag: 'orders', summary: 'Every status change of an order, with its cause', access: customers, params: idParams,
      responses: { 200: { description: 'the history, oldest first', schema: { type: 'array', items: historyEntrySchema }, example: historyExample }, 404: { description: 'no such order (or not yours)' } },
      handle: async ({ params, principal }) => ({ status: 200, body: await orderHistory(deps.db, params.id, principal) }),
    }),
    route<unknown, unknown, { id: string }>({
      method: 'get', path: '/orders/:id/stream', tag: 'orders', summary: 'Server-sent events of status changes, ending at confirmed or cancelled (or after SSE_MAX_LIFETIME_SECONDS: reconnect with Last-Event-ID)', access: customers, params: idParams,
      headers: { 'Last-Event-ID': 'resume after this event id (EventSource sends the last one it saw when it reconnects)' },
      responses: {
        200: { description: 'text/event-stream of `status` events, each with its history id as event id', contentType: 'text/event-stream', schema: { type: 'string' }, example: streamExample },
        204: { description: 'nothing left to send: the order ended at or before Last-Event-ID' },
        400: { description: 'Last-Event-ID is not an event id' },
        404: { description: 'no such order (or not yours)' },
        429: { description: 'the caller already holds SSE_MAX_STREAMS_PER_PRINCIPAL streams' },
      },
      async handle({ params, principal, header }) {
        const stream = await watchOrder(streams, params.id, principal, eventIdOf(header('last-event-id')));
        if (!stream) return { status: 204 };
        return { status: 200, body: stream, headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' } };
      },
    }),
    route<unknown, OrderQuery>({
      method: 'get', path: '/orders', tag: 'orders', summary: "Orders, newest first, filtered by customer, status and search (a customer's own only)", access: customers, query: listQuery,
      responses: { 200: { description: 'one page of orders and the cursor of the next', schema: pageSchema, example: { items: [orderExample('confirmed')], nextCursor: null } }, 400: { description: 'invalid query or cursor' }, 403: { description: "a customer asking for another customer's orders" } },
      handle: async ({ query, principal }) => ({ status: 200, body: await findOrders(deps.db, query, principal) }),
    }),
  ];
}

/** A history id, as sent in each event's `id:` field; none: from the start. */
function eventIdOf(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^[0-9]{1,15}$/.test(value)) throw new AppError('bad_request', 'Last-Event-ID must be an event id from this stream');
  return Number(value);
}
