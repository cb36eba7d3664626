import type { Knex } from 'knex';
import { Type } from '@sinclair/typebox';
import { OrderId } from '../events/fields.js';
import { route, type RouteDefinition } from '../http/route.js';
import { readConsumersAndOutbox, readDeadLetters, readHandled, type AdminDeps } from './admin-queries.js';
import { replayThroughWorker } from './replay-request.js';
import {
  ConsumersBody,
  consumersExample,
  DeadLettersBody,
  deadLettersExample,
  OrderRecordsBody,
  orderRecordsExample,
  ReplayBody,
  replayExample,
  ReplayRequest,
  type OrderRecord,
} from './admin-schemas.js';

/** A service's own facts about one order, oldest first: what it contributes to the console's timeline. */
export type OrderRecordsReader = (db: Knex, orderId: string) => Promise<OrderRecord[]>;

const admin = ['admin'] as const;
const orderParams = Type.Object({ id: OrderId }, { additionalProperties: false });

/**
 * The endpoints every api serves for operators (the console): its consumers' lag and outbox
 * backlog, its dead letters and their replay (through its own worker), and what it knows and
 * handled of one order. They read the service's own database and NATS through its own
 * connection, never another's.
 */
export function adminRoutes(deps: AdminDeps & { orderRecords?: OrderRecordsReader | undefined }): RouteDefinition[] {
  const orderRecords = deps.orderRecords ?? (async () => []);
  return [
    route({
      method: 'get', path: '/admin/consumers', tag: 'admin', summary: "This service's durable consumers (lag) and outbox backlog", access: admin,
      responses: { 200: { description: 'each consumer as JetStream reports it, and the unpublished outbox rows', schema: ConsumersBody, example: consumersExample } },
      handle: async () => ({ status: 200, body: await readConsumersAndOutbox(deps) }),
    }),
    route({
      method: 'get', path: '/admin/dead-letters', tag: 'admin', summary: "This service's dead letters, oldest first", access: admin,
      responses: { 200: { description: 'the dead letters its consumers wrote (DLQ subject `dlq.<service>.<consumer>`)', schema: DeadLettersBody, example: deadLettersExample } },
      handle: async () => ({ status: 200, body: await readDeadLetters(deps) }),
    }),
    route<ReplayRequest>({
      method: 'post', path: '/admin/dead-letters/replay', tag: 'admin', summary: "Replay dead letters through this service's worker (its consumer's handler), then drop them from the DLQ", access: admin,
      body: ReplayRequest, bodyExample: { seqs: [42, 43] },
      responses: { 200: { description: 'which were replayed, and which not and why', schema: ReplayBody, example: replayExample }, 400: { description: 'neither `seqs` nor `all: true`' } },
      handle: async ({ body }) => ({ status: 200, body: await replayThroughWorker(deps, body) }),
    }),
    route<unknown, unknown, { id: string }>({
      method: 'get', path: '/admin/orders/:id/records', tag: 'admin', summary: "This service's records of one order, and the events its consumers handled for it", access: admin, params: orderParams,
      responses: { 200: { description: 'oldest first; both lists are empty for an order the service never saw', schema: OrderRecordsBody, example: orderRecordsExample } },
      handle: async ({ params }) => ({
        status: 200,
        body: { service: deps.service, orderId: params.id, records: await orderRecords(deps.db, params.id), handled: await readHandled(deps.db, params.id) },
      }),
    }),
  ];
}
