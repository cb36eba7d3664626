import { moneySchema, route, type RouteDefinition } from '@order-platform/shared';
import type { UseCaseDeps } from '../../domain/deps.js';
import { cancelOrder } from '../../domain/cancel-order.js';
import { findOrders, getOrder, type OrderQuery } from '../../domain/find-orders.js';
import { orderHistory } from '../../domain/order-history.js';
import { watchOrder } from '../../domain/watch-order.js';
import type { PlaceOrder } from '../../domain/order.js';
import { placeOrder } from '../../domain/place-order.js';

const statuses = ['pending', 'stock_reserved', 'confirmed', 'cancelled'];
const sku = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } as const;
const customerId = { type: 'string', minLength: 1, maxLength: 128 } as const;
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
      properties: { method: { const: 'card' }, token: { type: 'string', minLength: 1, maxLength: 256 } },
      required: ['method', 'token'],
      additionalProperties: false,
    },
  },
  required: ['customerId', 'items', 'payment'],
  additionalProperties: false,
} as const;

const orderSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    customerId,
    status: { enum: statuses },
    cancellationReason: { type: ['string', 'null'] },
    items: { type: 'array', items: { type: 'object', properties: { sku, quantity: { type: 'integer' }, unitPrice: moneySchema } } },
    total: moneySchema,
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
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

export function orderRoutes(deps: UseCaseDeps): RouteDefinition[] {
  return [
    route<PlaceOrder>({
      method: 'post', path: '/orders', tag: 'orders', summary: 'Place an order (prices come from the catalog)', body: placeOrderBody,
      headers: { 'Idempotency-Key': 'retry-safe key: the same key and body return the first answer' },
      responses: { 202: { description: 'accepted; the saga continues', schema: orderSchema }, 400: { description: 'invalid body' }, 422: { description: 'unknown or inactive sku, or key reused' } },
      async handle({ body, header }) {
        const { order, replayed } = await placeOrder(deps, body, header('idempotency-key'));
        return { status: 202, body: order, headers: { Location: `/orders/${order.id}`, ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}) } };
      },
    }),
    route<unknown, unknown, { id: string }>({
      method: 'get', path: '/orders/:id', tag: 'orders', summary: 'One order', params: idParams,
      responses: { 200: { description: 'the order', schema: orderSchema }, 404: { description: 'no such order' } },
      handle: async ({ params }) => ({ status: 200, body: await getOrder(deps.db, params.id) }),
    }),
    route<unknown, unknown, { id: string }>({
      method: 'post', path: '/orders/:id/cancel', tag: 'orders', summary: 'Cancel an order (pending, stock reserved or confirmed)', params: idParams,
      responses: { 202: { description: 'cancelled; stock and money are given back', schema: orderSchema }, 404: { description: 'no such order' }, 409: { description: 'already cancelled' } },
      handle: async ({ params }) => ({ status: 202, body: await cancelOrder(deps, params.id) }),
    }),
    route<unknown, unknown, { id: string }>({
      method: 'get', path: '/orders/:id/events', tag: 'orders', summary: 'Every status change of an order, with its cause', params: idParams,
      responses: { 200: { description: 'the history, oldest first' }, 404: { description: 'no such order' } },
      handle: async ({ params }) => ({ status: 200, body: await orderHistory(deps.db, params.id) }),
    }),
    route<unknown, unknown, { id: string }>({
      method: 'get', path: '/orders/:id/stream', tag: 'orders', summary: 'Server-sent events of status changes, ending at confirmed or cancelled', params: idParams,
      responses: { 200: { description: 'text/event-stream of `status` events' }, 404: { description: 'no such order' } },
      async handle({ params, log }) {
        const stream = await watchOrder(deps.db, params.id, log);
        return { status: 200, body: stream, headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' } };
      },
    }),
    route<unknown, OrderQuery>({
      method: 'get', path: '/orders', tag: 'orders', summary: 'Orders, newest first, filtered by customer and status', query: listQuery,
      responses: { 200: { description: 'one page of orders and the cursor of the next' }, 400: { description: 'invalid query or cursor' } },
      handle: async ({ query }) => ({ status: 200, body: await findOrders(deps.db, query) }),
    }),
  ];
}
