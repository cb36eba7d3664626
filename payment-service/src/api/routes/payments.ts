import { Money, OrderId, route, Timestamp, type RouteDefinition } from '@order-platform/shared';
import type { QueryDeps } from '../../domain/deps.js';
import { findPayments } from '../../domain/find-payments.js';

const statuses = ['awaiting_order', 'pending', 'captured', 'failed', 'voided', 'refunded'];
const orderId = OrderId;

const paymentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    orderId,
    amount: { oneOf: [Money, { type: 'null' }], description: 'null while the order is not known yet (awaiting_order), or when it never came (failed)' },
    status: { enum: statuses },
    attempts: { type: 'integer', minimum: 0 },
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
} as const;

const paymentExample = {
  id: '3e8f1a2b-5c6d-4e7f-8a9b-1c2d3e4f5a6b',
  orderId: '0c9a3c52-6a55-4a3e-9d7e-1f0d3b9a6e42',
  amount: { amount: 5198, currency: 'EUR' },
  status: 'captured',
  attempts: 1,
  createdAt: '2026-03-14T09:26:53.601Z',
  updatedAt: '2026-03-14T09:26:53.640Z',
};

const listQuery = { type: 'object', properties: { orderId }, required: ['orderId'], additionalProperties: false } as const;

export function paymentRoutes(deps: QueryDeps): RouteDefinition[] {
  return [
    route<unknown, { orderId: string }>({
      method: 'get', path: '/payments', tag: 'payments', summary: "An order's payments", access: ['admin'], query: listQuery,
      responses: { 200: { description: 'the payments of the order (none or one)', schema: { type: 'array', items: paymentSchema }, example: [paymentExample] }, 400: { description: 'orderId missing' } },
      handle: async ({ query }) => ({ status: 200, body: await findPayments(deps, query.orderId) }),
    }),
  ];
}
