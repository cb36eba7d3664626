import { randomUUID } from 'node:crypto';
import { AppError, type PrefetchedKind, type UnitOfWork } from '@order-platform/shared';
import { insertOrLockPayment, insertOrLockPayments, type InsertedOrLocked } from '../data/payments-repository.js';
import type { AwaitingOrderPayment, Payment } from './payment.js';
import { awaitingOrder, decideReserved } from './payment-decisions.js';
import { settlePayment, type Settle } from './settle-charge.js';

/**
 * stock.reserved: charges the order's pending payment, then records and announces the outcome;
 * when orders.created has not been seen yet, records that stock is reserved, and orders.created
 * charges when it comes (no retry, no waiting). The order's payment stays locked until commit,
 * so a cancel or orders.created of the same order either is seen here or waits and then sees
 * what this recorded. Runs under the order's payment lock (see PAYMENT_LOCK_SPACE).
 */
export async function chargePayment(orderId: string, settle: Settle, uow: UnitOfWork): Promise<Payment> {
  const { trx, now } = uow;
  // what decideReserved records when the order has no payment: written in the statement that
  // looks for one (and locks the one it finds), the round trip a separate insert would cost
  // saved; in the consumer loop, that statement ran for the whole batch ahead of its handlers
  const held = uow.prefetched.get(reservedPayments, orderId);
  const awaiting = held?.awaiting ?? awaitingOrder(orderId, now, randomUUID());
  const found = held ? held.found : await insertOrLockPayment(trx, awaiting);
  if (found === 'recorded') {
    // a later stock.reserved of the order in this batch finds it, as its own statement would
    uow.prefetched.update(reservedPayments, orderId, { awaiting, found: { payment: awaiting, card: null } });
    return awaiting;
  }
  if (!found) throw new AppError('transient', 'a payment was recorded without the order lock; retrying', { details: { orderId } });
  const decision = decideReserved(found.payment, orderId, now, awaiting.id);
  switch (decision.kind) {
    case 'charge': {
      const settled = await settlePayment(settle, decision.payment, found.card, uow);
      // settled, it holds no card any more (see updatePayment)
      uow.prefetched.update(reservedPayments, orderId, { awaiting, found: { payment: settled, card: null } });
      return settled;
    }
    case 'await_order': // not with a payment
    case 'leave':
      return decision.payment;
  }
}

/** The payments of a batch's stock.reserved, recorded or locked ahead of its handlers (`prefetchReserved`). */
const reservedPayments: PrefetchedKind<{ found: InsertedOrLocked; awaiting: AwaitingOrderPayment }> = { name: 'reserved-payments' };

/**
 * stock.reserved's prefetch: what `chargePayment` starts with, for every order of the batch, in
 * one statement sent behind the batch's own first one (no round trip of its own): each order's
 * payment is recorded awaiting its order, or locked with its card. Nothing here is new for a
 * duplicate message: its order has had a payment since its first delivery.
 */
export async function prefetchReserved(orderIds: readonly string[], { trx, prefetched, now }: UnitOfWork): Promise<void> {
  const awaiting = [...new Set(orderIds)].map((orderId) => awaitingOrder(orderId, now, randomUUID()));
  if (awaiting.length === 0) return;
  const found = await insertOrLockPayments(trx, awaiting);
  for (const payment of awaiting) prefetched.add(reservedPayments, payment.orderId, { found: found.get(payment.orderId), awaiting: payment });
}
