import { route, type RouteDefinition } from '@order-platform/shared';
import type { QueryDeps } from '../../domain/deps.js';
import { rangeFigures, type RangeQuery } from '../../domain/range-figures.js';
import { findRecentEvents } from '../../domain/recent-events.js';
import { todayFigures } from '../../domain/today-figures.js';
import { rangeExample, rangeSchema, recentExample, recentSchema, todayExample, todaySchema } from './schemas.js';

const rangeQuery = {
  type: 'object',
  required: ['from', 'to'],
  properties: {
    from: { type: 'string', format: 'date-time', description: 'start, inclusive (RFC 3339)' },
    to: { type: 'string', format: 'date-time', description: 'end, exclusive; at most 31 days after from with hour buckets, 366 with day buckets' },
    bucket: { enum: ['hour', 'day'], default: 'hour' },
  },
  additionalProperties: false,
} as const;

const recentQuery = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
  additionalProperties: false,
} as const;

export function analyticsRoutes(deps: QueryDeps): RouteDefinition[] {
  return [
    route({
      method: 'get', path: '/analytics/today', tag: 'analytics', summary: "Today's figures (UTC day), with each active minute", access: ['admin'],
      responses: { 200: { description: "today's figures", schema: todaySchema, example: todayExample } },
      handle: async () => ({ status: 200, body: await todayFigures(deps) }),
    }),
    route<unknown, RangeQuery>({
      method: 'get', path: '/analytics/range', tag: 'analytics', summary: 'Figures per hour or day over a range', access: ['admin'], query: rangeQuery,
      responses: { 200: { description: 'one bucket per hour or day', schema: rangeSchema, example: rangeExample }, 400: { description: 'from or to missing or not a date-time, from not before to, or the range too wide for the bucket' } },
      handle: async ({ query }) => ({ status: 200, body: await rangeFigures(deps, query) }),
    }),
    route<unknown, { limit: number }>({
      method: 'get', path: '/analytics/events/recent', tag: 'analytics', summary: 'The latest events, newest first', access: ['admin'], query: recentQuery,
      responses: { 200: { description: 'events with a one-line summary', schema: recentSchema, example: recentExample }, 400: { description: 'bad limit' } },
      handle: async ({ query }) => ({ status: 200, body: await findRecentEvents(deps, query.limit) }),
    }),
  ];
}
