import { createHash, randomUUID } from 'node:crypto';
import { AppError, type Principal } from '@order-platform/shared';
import { findCatalogEntries } from '../data/catalog-repository.js';
import { findIdempotencyRecord, insertIdempotencyRecord, isIdempotencyKeyTaken, type IdempotencyRecord } from '../data/idempotency-repository.js';
import { appendHistory, insertOrder } from '../data/orders-repository.js';
import type { UseCaseDeps } from './deps.js';
import { customerOf } from './order-access.js';
import { decidePlaceOrder, describeRejection, orderView, type OrderView, type PlaceOrder } from './order.js';

/** The body of POST /orders: `customerId` only when an admin orders for a customer. */
export type PlaceOrderRequest = Omit<PlaceOrder, 'customerId'> & { customerId?: string };

export interface PlacedOrder {
  order: OrderView;
  /** true when an earlier request with the same Idempotency-Key produced this answer */
  replayed: boolean;
}

/**
 * Accepts an order: prices from the catalog read model, the order and its orders.created
 * event in one transaction. With an Idempotency-Key (the caller's own, kept for
 * `idempotencyRetentionMs`), a retry of the same request returns the first answer and creates
 * nothing; the same key with another request is refused.
 */
export async function placeOrder(deps: UseCaseDeps, actor: Principal, request: PlaceOrderRequest, idempotencyKey?: string): Promise<PlacedOrder> {
  const customerId = customerOf(actor, request.customerId);
  if (!customerId) throw new AppError('bad_request', 'an admin ordering for a customer must name the customerId');
  const command: PlaceOrder = { ...request, customerId };
  const fingerprint = fingerprintOf(command);
  const scope = idempotencyKey ? { principal: actor.id, key: idempotencyKey } : undefined;
  const notBefore = new Date(deps.clock().getTime() - deps.idempotencyRetentionMs);
  if (scope) {
    const earlier = await findIdempotencyRecord(deps.db, scope, notBefore);
    if (earlier) return replay(earlier, fingerprint);
  }
  try {
    return await deps.db.transaction(async (trx) => {
      const now = deps.clock();
      const catalog = await findCatalogEntries(trx, command.items.map((item) => item.sku));
      const decision = decidePlaceOrder(command, catalog, now, randomUUID());
      if (decision.kind === 'rejected') {
        throw new AppError('unprocessable', describeRejection(decision), { details: { reason: decision.reason, skus: decision.skus } });
      }
      const { order, event } = decision;
      await insertOrder(trx, order);
      await appendHistory(trx, { orderId: order.id, from: null, to: 'pending', cause: 'POST /orders', at: now });
      await deps.outbox.add(trx, 'orders.created', { subject: order.id, data: event, time: now });
      const view = orderView(order);
      if (scope) await insertIdempotencyRecord(trx, scope, { fingerprint, orderId: order.id, response: view }, now, notBefore);
      return { order: view, replayed: false };
    });
  } catch (error) {
    // A concurrent request with the same key committed first: answer as its retry.
    if (scope && isIdempotencyKeyTaken(error)) return replay((await findIdempotencyRecord(deps.db, scope, notBefore))!, fingerprint);
    throw error;
  }
}

function replay(earlier: IdempotencyRecord, fingerprint: string): PlacedOrder {
  if (earlier.fingerprint !== fingerprint) {
    throw new AppError('unprocessable', 'this Idempotency-Key was used with a different request', { details: { reason: 'idempotency_key_reused' } });
  }
  return { order: earlier.response as OrderView, replayed: true };
}

/** sha-256 of the request with keys sorted, so property order does not matter. */
function fingerprintOf(command: PlaceOrder): string {
  return createHash('sha256').update(canonicalJson(command)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
