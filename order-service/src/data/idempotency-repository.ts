import type { Knex } from '@order-platform/shared';

export interface IdempotencyRecord {
  key: string;
  fingerprint: string;
  orderId: string;
  response: unknown;
}

export async function findIdempotencyRecord(db: Knex, key: string): Promise<IdempotencyRecord | undefined> {
  const row = await db('idempotency_keys').where({ key }).first<{ key: string; fingerprint: string; order_id: string; response: unknown } | undefined>();
  return row && { key: row.key, fingerprint: row.fingerprint, orderId: row.order_id, response: row.response };
}

export async function insertIdempotencyRecord(trx: Knex.Transaction, record: IdempotencyRecord, at: Date): Promise<void> {
  await trx('idempotency_keys').insert({ key: record.key, fingerprint: record.fingerprint, order_id: record.orderId, response: JSON.stringify(record.response), created_at: at });
}

export function isIdempotencyKeyTaken(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === 'idempotency_keys_pkey';
}
