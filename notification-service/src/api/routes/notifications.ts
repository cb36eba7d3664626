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

const notificationExample = {
  id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  orderId: '0c9a3c52-6a55-4a3e-9d7e-1f0d3b9a6e42',
  customerId: 'cust-ada',
  sku: null,
  template: 'order-confirmed',
  channel: 'email',
  recipient: 'ada@example.com',
  subject: 'Your order is confirmed',
  status: 'sent',
  attempts: 1,
  error: null,
  fallback: null,
  eventId: '7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
  attemptLog: [{ attempt: 1, outcome: 'sent', error: null, startedAt: '2026-03-14T09:26:53.701Z', finishedAt: '2026-03-14T09:26:53.744Z' }],
  sentAt: '2026-03-14T09:26:53.744Z',
  createdAt: '2026-03-14T09:26:53.690Z',
  updatedAt: '2026-03-14T09:26:53.744Z',
};

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
      responses: { 200: { description: 'notifications with their attempts', schema: { type: 'array', items: notificationSchema }, example: [notificationExample] }, 400: { description: 'bad query' } },
      handle: async ({ query }) => ({ status: 200, body: await findNotifications(deps, query) }),
    }),
  ];
}
