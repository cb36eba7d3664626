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
  },
} as const;

const listQuery = {
  type: 'object',
  properties: {
    customerId,
    status: { enum: statuses },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: { type: 'string', maxLength: 200 },
  },
  additionalProperties: false,
} as const;

export function orderRoutes(deps: UseCaseDeps, streams: StreamDeps): RouteDefinition[] {
  return [
    route<PlaceOrderRequest>({
      method: 'post', path: '/orders', tag: 'orders', summary: 'Place an order (prices come from the catalog)', access: customers, body: placeOrderBody,
      headers: { 'Idempotency-Key': 'retry-safe key: the same key and body return the first answer' },
      responses: { 202: { description: 'accepted; the saga continues', schema: orderSchema }, 400: { description: 'invalid body' }, 403: { description: "a customer naming another customer's id" }, 422: { description: 'unknown or inactive sku, or key reused' } },
      async handle({ body, header, principal }) {
        const { order, replayed } = await placeOrder(deps, principal, body, header('idempotency-key'));
        return { status: 202, body: order, headers: { Location: `/orders/${order.id}`, ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}) } };
      },
    }),
    route<unknown, unknown, { id: string }>({
      method: 'get', path: '/orders/:id', tag: 'orders', summary: 'One order', access: customers, params: idParams,
      responses: { 200: { description: 'the order', schema: orderSchema }, 404: { description: 'no such order (or not yours)' } },
      handle: async ({ params, principal }) => ({ status: 200, body: await getOrder(deps.db, params.id, principal) }),
    }),
    route<unknown, unknown, { id: string }>({
      method: 'post', path: '/orders/:id/cancel', tag: 'orders', summary: 'Cancel an order (pending, stock reserved or confirmed)', access: customers, params: idParams,
      responses: { 202: { description: 'cancelled; stock and money are given back', schema: orderSchema }, 404: { description: 'no such order (or not yours)' }, 409: { description: 'already cancelled' } },
      handle: async ({ params, principal }) => ({ status: 202, body: await cancelOrder(deps, params.id, principal) }),
    }),
    route<unknown, unknown, { id: string }>({
      method: 'get', path: '/orders/:id/events', tag: 'orders', summary: 'Every status change of an order, with its cause', access: customers, params: idParams,
      responses: { 200: { description: 'the history, oldest first' }, 404: { description: 'no such order (or not yours)' } },
      handle: async ({ params, principal }) => ({ status: 200, body: await orderHistory(deps.db, params.id, principal) }),
    }),
    route<unknown, unknown, { id: string }>({
      method: 'get', path: '/orders/:id/stream', tag: 'orders', summary: 'Server-sent events of status changes, ending at confirmed or cancelled (or after SSE_MAX_LIFETIME_SECONDS: reconnect with Last-Event-ID)', access: customers, params: idParams,
      headers: { 'Last-Event-ID': 'resume after this event id (EventSource sends the last one it saw when it reconnects)' },
      responses: {
        200: { description: 'text/event-stream of `status` events, each with its history id as event id' },
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
      method: 'get', path: '/orders', tag: 'orders', summary: "Orders, newest first, filtered by customer and status (a customer's own only)", access: customers, query: listQuery,
      responses: { 200: { description: 'one page of orders and the cursor of the next' }, 400: { description: 'invalid query or cursor' }, 403: { description: "a customer asking for another customer's orders" } },
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
