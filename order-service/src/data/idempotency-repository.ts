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

/** The caller's record for this key, unless it is older than `notBefore` (expired). */
export async function findIdempotencyRecord(db: Knex, scope: IdempotencyScope, notBefore: Date): Promise<IdempotencyRecord | undefined> {
  const row = await db('idempotency_keys')
    .where({ principal: scope.principal, key: scope.key })
    .andWhere('created_at', '>=', notBefore)
    .first<{ fingerprint: string; order_id: string; response: unknown } | undefined>('fingerprint', 'order_id', 'response');
  return row && { fingerprint: row.fingerprint, orderId: row.order_id, response: row.response };
}

/** Stores the first answer; an expired record of the same key is replaced. */
export async function insertIdempotencyRecord(trx: Knex.Transaction, scope: IdempotencyScope, record: IdempotencyRecord, at: Date, notBefore: Date): Promise<void> {
  await trx('idempotency_keys').where({ principal: scope.principal, key: scope.key }).andWhere('created_at', '<', notBefore).delete();
  await trx('idempotency_keys').insert({
    principal: scope.principal,
    key: scope.key,
    fingerprint: record.fingerprint,
    order_id: record.orderId,
    response: JSON.stringify(record.response),
    created_at: at,
  });
}

export async function pruneIdempotencyRecords(db: Knex, notBefore: Date): Promise<number> {
  return db('idempotency_keys').where('created_at', '<', notBefore).delete();
}

export function isIdempotencyKeyTaken(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === 'idempotency_keys_pkey';
}
