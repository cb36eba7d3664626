import { OrderId, route, Timestamp, type RouteDefinition } from '@order-platform/shared';
import type { QueryDeps } from '../../domain/deps.js';
import type { NotificationFilter } from '../../data/notifications-repository.js';
import { findNotifications } from '../../domain/find-notifications.js';
import type { NotificationStatus } from '../../domain/notification.js';

const statuses: NotificationStatus[] = ['sending', 'sent', 'retrying', 'failed', 'skipped', 'unconfirmed'];
const nullableText = { type: ['string', 'null'] } as const;

const notificationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    orderId: nullableText,
    customerId: nullableText,
    sku: nullableText,
    template: { type: 'string' },
    channel: { enum: ['email', 'webhook'] },
    recipient: { ...nullableText, description: 'email address, `customer:<id>` or `staff` for webhooks; null when skipped' },
    subject: nullableText,
    status: { enum: statuses },
    attempts: { type: 'integer', minimum: 0 },
    error: { ...nullableText, description: 'why the last attempt failed, or why it was skipped' },
    fallback: { ...nullableText, description: "why generic data stood in for the customer's" },
    eventId: { type: 'string' },
    attemptLog: { type: 'array', items: { type: 'object' } },
    sentAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
} as const;

const listQuery = {
  type: 'object',
  properties: {
    orderId: OrderId,
    status: { enum: statuses },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
  additionalProperties: false,
} as const;

export function notificationRoutes(deps: QueryDeps): RouteDefinition[] {
  return [
    route<unknown, NotificationFilter>({
      method: 'get', path: '/notifications', tag: 'notifications', summary: 'The delivery log, newest first', access: ['admin'], query: listQuery,
      responses: { 200: { description: 'notifications with their attempts', schema: { type: 'array', items: notificationSchema } }, 400: { description: 'bad query' } },
      handle: async ({ query }) => ({ status: 200, body: await findNotifications(deps, query) }),
    }),
  ];
}
