import type { Knex } from '@order-platform/shared';
import type { Payment, PaymentStatus } from '../domain/payment.js';
import { eraseCardOfOrder } from './payment-methods-repository.js';

interface PaymentRow {
  id: string;
  order_id: string;
  amount: number | null;
  currency: string | null;
  payment_method_id: string | null;
  status: PaymentStatus;
  attempts: number;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    orderId: row.order_id,
    status: row.status,
    amount: row.amount === null ? null : { amount: row.amount, currency: row.currency!.trim() },
    paymentMethodId: row.payment_method_id,
    failureReason: row.failure_reason,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  } as Payment; // the table's checks keep each status's fields as the union says
}

export async function findPaymentByOrder(db: Knex | Knex.Transaction, orderId: string, options: { forUpdate?: boolean } = {}): Promise<Payment | undefined> {
  const query = db<PaymentRow>('payments').where({ order_id: orderId }).first();
  const row = await (options.forUpdate ? query.forUpdate() : query);
  return row ? toPayment(row) : undefined;
}

export async function listPaymentsOfOrder(db: Knex, orderId: string): Promise<Payment[]> {
  return (await db<PaymentRow>('payments').where({ order_id: orderId }).orderBy('created_at')).map(toPayment);
}

/** Inserts; returns false when the order has a payment already (one committed concurrently included). */
export async function insertPayment(trx: Knex.Transaction, payment: Payment): Promise<boolean> {
  const inserted = await trx('payments')
    .insert({
      id: payment.id,
      order_id: payment.orderId,
      amount: payment.amount?.amount ?? null,
      currency: payment.amount?.currency ?? null,
      payment_method_id: payment.paymentMethodId,
      status: payment.status,
      attempts: payment.attempts,
      failure_reason: payment.failureReason,
      created_at: payment.createdAt,
      updated_at: payment.updatedAt,
    })
    .onConflict('order_id')
    .ignore()
    .returning('id');
  return inserted.length === 1;
}

/**
 * Writes a transition: every one leaves `pending` (or refunds a capture), after which the card
 * is never charged again, so its token is erased in the same transaction. `attempts` is left
 * alone: only countChargeAttempt changes it.
 */
export async function updatePayment(trx: Knex.Transaction, payment: Payment): Promise<void> {
  await trx('payments').where({ id: payment.id }).update({ status: payment.status, failure_reason: payment.failureReason, updated_at: payment.updatedAt });
  if (payment.status !== 'pending') await eraseCardOfOrder(trx, payment.orderId, payment.updatedAt);
}

/**
 * Counts a charge attempt of the order's pending payment, committed on its own. `skip locked`:
 * a row locked by another handler is being settled (cancelled, charged) right now, so this
 * never waits for it, and never holds an autocommit connection while a handler holds the lock.
 * Returns whether an attempt was counted.
 */
export async function countChargeAttempt(autocommit: Knex, orderId: string, now: Date): Promise<boolean> {
  const result = await autocommit.raw<{ rowCount: number }>(
    `update payments set attempts = attempts + 1, updated_at = :now
     where id = (select id from payments where order_id = :orderId and status = 'pending' for update skip locked)`,
    { orderId, now },
  );
  return result.rowCount === 1;
}
