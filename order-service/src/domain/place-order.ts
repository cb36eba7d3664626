import { createHash, randomUUID } from 'node:crypto';
import { AppError, type Principal } from '@order-platform/shared';
import { findIdempotencyRecord, type IdempotencyRecord, type IdempotencyScope } from '../data/idempotency-repository.js';
import { insertPlacedOrder } from '../data/orders-repository.js';
import type { UseCaseDeps } from './deps.js';
import { customerOf } from './order-access.js';
import { decidePlaceOrder, describeRejection, orderView, type OrderView, type PlaceOrder, type PlaceOrderDecision } from './order.js';

/** The body of POST /orders: `customerId` only when an admin orders for a customer. */
export type PlaceOrderRequest = Omit<PlaceOrder, 'customerId'> & { customerId?: string };

export interface PlacedOrder {
  order: OrderView;
  /** true when an earlier request with the same Idempotency-Key produced this answer */
  replayed: boolean;
}

/** How often an order is priced again when a product changed between its price's read and its insert, before the caller is told to retry. */
const PRICING_ATTEMPTS = 3;

/**
 * Accepts an order: prices from the catalog read model, then the order and its orders.created
 * event in one statement (atomic by itself: no transaction, no BEGIN and COMMIT). With an
 * Idempotency-Key (the caller's own, kept for `idempotencyRetentionMs`), a retry of the same
 * request returns the first answer and creates nothing; the same key with another request is
 * refused.
 *
 * Round trips are the cost of this route. The prices come from the api's copy of the products
 * it has read (`CachedCatalog`), so an order of known products is one round trip: the statement
 * that inserts it, which also checks that each product still has the version it was priced at,
 * and writes nothing if not (then the products are read again and the order priced again). A
 * product not kept is read first (two round trips), and so is every product of an order about
 * to be refused: a rejection is never decided on a kept copy. The key is claimed in the insert
 * (no look-up first); a retry costs one more round trip, reading the first answer.
 */
export async function placeOrder(deps: UseCaseDeps, actor: Principal, request: PlaceOrderRequest, idempotencyKey?: string): Promise<PlacedOrder> {
  const customerId = customerOf(actor, request.customerId);
  if (!customerId) throw new AppError('bad_request', 'an admin ordering for a customer must name the customerId');
  const command: PlaceOrder = { ...request, customerId };
  const fingerprint = fingerprintOf(command);
  const scope = idempotencyKey ? { principal: actor.id, key: idempotencyKey } : undefined;
  const notBefore = new Date(deps.clock().getTime() - deps.idempotencyRetentionMs);
  const attempt = await (async (): Promise<Attempt> => {
    const skus = [...new Set(command.items.map((item) => item.sku))];
    const kept = await deps.catalog.lookup(skus);
    let catalog = kept.entries;
    let cached = kept.cached;
    for (let pricing = 1; ; pricing += 1) {
      const now = deps.clock();
      const decision = decidePlaceOrder(command, catalog, now, randomUUID());
      if (decision.kind === 'rejected') {
        // a kept copy may be stale: refuse only on what the database says now
        if (!cached || decision.reason === 'duplicate_sku') return decision;
        catalog = await deps.catalog.read(skus);
        cached = false;
        continue;
      }
      const { order, event } = decision;
      const view = orderView(order);
      const claim = scope && { ...scope, fingerprint, response: view, notBefore };
      const created = deps.outbox.prepare('orders.created', { subject: order.id, data: event, time: now });
      const history = { orderId: order.id, from: null, to: 'pending' as const, cause: 'POST /orders', at: now };
      const pricedFrom = skus.map((sku) => ({ sku, version: catalog.get(sku)!.version }));
      const notifier = deps.outbox.commitNotifier;
      const outcome = await insertPlacedOrder(deps.db, order, history, [created], pricedFrom, claim, { notifiedAfterCommit: notifier !== undefined });
      if (outcome === 'placed') {
        // committed: wake the relay (the statement kept the trigger silent). No stream can be
        // watching the order yet (its id is in this answer), so its history needs no wake-up.
        deps.outbox.committed();
        return { kind: 'placed', order: view };
      }
      if (outcome === 'key_taken') return { kind: 'key_taken' };
      // a product changed since its price was read: price the order again on what it is now
      if (pricing === PRICING_ATTEMPTS) throw new AppError('transient', `the catalog changed ${PRICING_ATTEMPTS} times while this order was priced; retry`, { details: { skus } });
      deps.log.info({ skus, pricing }, 'order priced again: a product changed since its price was read');
      catalog = await deps.catalog.read(skus);
      cached = false;
    }
  })();
  if (attempt.kind === 'placed') return { order: attempt.order, replayed: false };
  // A retry gets the first answer, even when the catalog has changed since.
  const earlier = scope && (await findEarlier(deps, scope, notBefore, attempt.kind === 'key_taken'));
  if (earlier) return replay(earlier, fingerprint);
  if (attempt.kind === 'key_taken') throw new Error('unreachable: a taken key has a record');
  throw new AppError('unprocessable', describeRejection(attempt), { details: { reason: attempt.reason, skus: attempt.skus } });
}

type Attempt = { kind: 'placed'; order: OrderView } | { kind: 'key_taken' } | Extract<PlaceOrderDecision, { kind: 'rejected' }>;

/** The first answer to this key; `taken`: the key was found taken, so a missing one expired in between (a retry sees it free). */
async function findEarlier(deps: UseCaseDeps, scope: IdempotencyScope, notBefore: Date, taken: boolean): Promise<IdempotencyRecord | undefined> {
  const earlier = await findIdempotencyRecord(deps.db, scope, notBefore);
  if (!earlier && taken) throw new AppError('transient', 'the Idempotency-Key expired while this request used it; retry');
  return earlier;
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
