import type { Knex } from '@order-platform/shared';
import type { AwaitingOrderPayment, Payment, PaymentStatus } from '../domain/payment.js';
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
    .insert({ id: payment.id, order_id: payment.orderId, created_at: payment.createdAt, ...changingColumns(payment) })
    .onConflict('order_id')
    .ignore()
    .returning('id');
  return inserted.length === 1;
}

/**
 * Takes the order's payment lock until the transaction ends. Every handler that writes an
 * order's payment takes it first, so orders.created, stock.reserved and orders.cancelled of one
 * order, handled at once by two replicas, run one after the other: the second sees what the
 * first recorded (the row it inserted included), and exactly one of them charges.
 */
export async function lockPaymentOfOrder(trx: Knex.Transaction, orderId: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(?, hashtext(?))', [PAYMENT_LOCK_SPACE, orderId]);
}

/** The first key of the order locks, apart from other advisory locks of the database. */
export const PAYMENT_LOCK_SPACE = 0x70617900; // "pay\0"

/**
 * Writes a transition. Every one but awaiting_order → pending (which happens only inside the
 * charge) leaves the states that may still charge, after which the card is never charged
 * again, so its token is erased in the same transaction.
 */
export async function updatePayment(trx: Knex.Transaction, payment: Payment): Promise<void> {
  await trx('payments').where({ id: payment.id }).update(changingColumns(payment));
  if (payment.status !== 'pending' && payment.status !== 'awaiting_order') await eraseCardOfOrder(trx, payment.orderId, payment.updatedAt);
}

/**
 * Payments still awaiting their order since before `before`, oldest first, locked; rows a
 * handler holds right now are skipped (it is settling them).
 */
export async function lockPaymentsAwaitingOrder(trx: Knex.Transaction, before: Date, limit: number): Promise<AwaitingOrderPayment[]> {
  const rows = await trx<PaymentRow>('payments').where({ status: 'awaiting_order' }).andWhere('created_at', '<', before).orderBy('created_at').limit(limit).forUpdate().skipLocked();
  return rows.map(toPayment) as AwaitingOrderPayment[];
}

/** The columns of a payment that change as it moves along (all but its id, order and creation time). */
function changingColumns(payment: Payment) {
  return {
    status: payment.status,
    amount: payment.amount?.amount ?? null,
    currency: payment.amount?.currency ?? null,
    payment_method_id: payment.paymentMethodId,
    attempts: payment.attempts,
    failure_reason: payment.failureReason,
    updated_at: payment.updatedAt,
  };
}
