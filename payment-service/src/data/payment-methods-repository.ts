import { type Knex, runStatement } from '@order-platform/shared';
import type { PaymentMethod, PaymentMethodStatus } from '../domain/payment-method.js';

export interface PaymentMethodRow {
  id: string;
  customer_id: string;
  token: string | null;
  status: PaymentMethodStatus;
  order_id: string | null;
  created_at: Date;
  expires_at: Date;
  updated_at: Date;
}

export function toPaymentMethod(row: PaymentMethodRow): PaymentMethod {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    token: row.token,
    orderId: row.order_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    updatedAt: row.updated_at,
  } as PaymentMethod; // the table's checks keep each status's fields as the union says
}

/**
 * The first key of a payment method's lock, apart from other advisory locks of the database
 * (see PAYMENT_LOCK_SPACE): orders.created takes it for the method its order names.
 */
export const PAYMENT_METHOD_LOCK_SPACE = 0x706d7400; // "pmt\0"

/**
 * Postgres describes a constraint violation with the whole failing row ("Failing row contains
 * (…)"), the token included, and error serializers log it: that part is withheld.
 */
export async function withheld<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    withholdFailingRow(error);
    throw error;
  }
}

/** What `withheld` does to the error: for a write sent without waiting (`Write.withhold`). */
export function withholdFailingRow(error: unknown): void {
  const detail = (error as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string' && detail.startsWith('Failing row contains')) (error as { detail: string }).detail = 'Failing row withheld: it may hold a card token';
}

export async function insertPaymentMethod(db: Knex, method: PaymentMethod): Promise<void> {
  await withheld(db('payment_methods').insert({
    id: method.id,
    customer_id: method.customerId,
    token: method.token,
    status: method.status,
    order_id: method.orderId,
    created_at: method.createdAt,
    expires_at: method.expiresAt,
    updated_at: method.updatedAt,
  }));
}

// a claim or an erasure of one payment method
const updateMethod = { name: 'payment-method-update', text: 'update payment_methods set status = $2, token = $3, order_id = $4, updated_at = $5 where id = $1' };

/** Writes a claim or an erasure. */
export async function updatePaymentMethod(trx: Knex.Transaction, method: PaymentMethod): Promise<void> {
  await withheld(runStatement(trx, updateMethod, [method.id, method.status, method.token, method.orderId, method.updatedAt]));
}

/**
 * Unused methods past their expiry lose their token. A method being claimed right now is
 * locked by its claim; this update waits, re-reads it as used, and leaves it.
 */
export async function expireUnusedPaymentMethods(db: Knex, now: Date): Promise<number> {
  return db('payment_methods').where({ status: 'active' }).andWhere('expires_at', '<=', now).update({ status: 'expired', token: null, updated_at: now });
}
