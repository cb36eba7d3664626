import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '@order-platform/shared';
import { findCatalogEntries } from '../data/catalog-repository.js';
import { findIdempotencyRecord, insertIdempotencyRecord, isIdempotencyKeyTaken, type IdempotencyRecord } from '../data/idempotency-repository.js';
import { appendHistory, insertOrder } from '../data/orders-repository.js';
import type { UseCaseDeps } from './deps.js';
import { decidePlaceOrder, describeRejection, orderView, type OrderView, type PlaceOrder } from './order.js';

export interface PlacedOrder {
  order: OrderView;
  /** true when an earlier request with the same Idempotency-Key produced this answer */
  replayed: boolean;
}

/**
 * Accepts an order: prices from the catalog read model, the order and its orders.created
 * event in one transaction. With an Idempotency-Key, a retry of the same request returns the
 * first answer and creates nothing; the same key with another request is refused.
 */
export async function placeOrder(deps: UseCaseDeps, command: PlaceOrder, idempotencyKey?: string): Promise<PlacedOrder> {
  const fingerprint = fingerprintOf(command);
  if (idempotencyKey) {
    const earlier = await findIdempotencyRecord(deps.db, idempotencyKey);
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
      if (idempotencyKey) await insertIdempotencyRecord(trx, { key: idempotencyKey, fingerprint, orderId: order.id, response: view }, now);
      return { order: view, replayed: false };
    });
  } catch (error) {
    // A concurrent request with the same key committed first: answer as its retry.
    if (idempotencyKey && isIdempotencyKeyTaken(error)) return replay((await findIdempotencyRecord(deps.db, idempotencyKey))!, fingerprint);
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
