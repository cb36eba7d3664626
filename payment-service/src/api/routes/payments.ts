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

const listQuery = { type: 'object', properties: { orderId }, required: ['orderId'], additionalProperties: false } as const;

export function paymentRoutes(deps: QueryDeps): RouteDefinition[] {
  return [
    route<unknown, { orderId: string }>({
      method: 'get', path: '/payments', tag: 'payments', summary: "An order's payments", access: ['admin'], query: listQuery,
      responses: { 200: { description: 'the payments of the order (none or one)', schema: { type: 'array', items: paymentSchema } }, 400: { description: 'orderId missing' } },
      handle: async ({ query }) => ({ status: 200, body: await findPayments(deps, query.orderId) }),
    }),
  ];
}
