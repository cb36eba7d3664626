import type { Knex } from '@order-platform/shared';

/** A key is the caller's own: (principal, key) identifies it. */
export interface IdempotencyScope {
  principal: string;
  key: string;
}

export interface IdempotencyRecord {
  fingerprint: string;
  orderId: string;
  response: unknown;
}

/** The caller's record for this key (stored with its order: orders-repository's insertPlacedOrder), unless it is older than `notBefore` (expired). */
export async function findIdempotencyRecord(db: Knex, scope: IdempotencyScope, notBefore: Date): Promise<IdempotencyRecord | undefined> {
  const row = await db('idempotency_keys')
    .where({ principal: scope.principal, key: scope.key })
    .andWhere('created_at', '>=', notBefore)
    .first<{ fingerprint: string; order_id: string; response: unknown } | undefined>('fingerprint', 'order_id', 'response');
  return row && { fingerprint: row.fingerprint, orderId: row.order_id, response: row.response };
}

export async function pruneIdempotencyRecords(db: Knex, notBefore: Date): Promise<number> {
  return db('idempotency_keys').where('created_at', '<', notBefore).delete();
}
