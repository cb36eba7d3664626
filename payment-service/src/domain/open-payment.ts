import { randomUUID } from 'node:crypto';
import { AppError, type OrderCreated, type PrefetchedKind, type UnitOfWork } from '@order-platform/shared';
import { updatePaymentMethod } from '../data/payment-methods-repository.js';
import {
  insertPayment,
  insertPaymentClaimingMethod,
  lockPaymentAndMethod,
  lockPaymentsAndMethods,
  openClaimingMethodWrite,
  paymentAndMethodKey,
  updatePayment,
} from '../data/payments-repository.js';
import { decideClaim, type PaymentMethod } from './payment-method.js';
import type { Payment } from './payment.js';
import { decideOpen, type OpenDecision } from './payment-decisions.js';
import { settlePayment, type Settle } from './settle-charge.js';

/** What orders.created did, for the log; `detail` says why a payment was declined. */
export interface Opened {
  kind: OpenDecision['kind'];
  payment: Payment;
  detail?: string;
}

/**
 * orders.created: claims the order's payment method and opens a pending payment on it, to be
 * charged once stock is reserved; when stock.reserved came first, charges it now. When the
 * order may not use that method, the payment fails at once (payments.failed, payment_declined),
 * so the order is cancelled. The order's payment and the method stay locked until commit, so
 * one method is never claimed by two orders and one payment never charged twice. Runs under the
 * order's payment lock (see PAYMENT_LOCK_SPACE).
 */
export async function openPayment(order: OrderCreated, settle: Settle, uow: UnitOfWork): Promise<Opened> {
  const { trx, outbox, now } = uow;
  const held = heldForOpening(order, uow);
  const { payment: existing, method } = held ?? (await lockPaymentAndMethod(trx, order.orderId, order.payment.paymentMethodId));
  const decision = decideOpen(existing, decideClaim(method, order, now), order, now, randomUUID());
  switch (decision.kind) {
    case 'leave':
      if (decision.retire) await updatePaymentMethod(trx, decision.retire);
      return { kind: decision.kind, payment: decision.payment };
    case 'charge':
      await updatePaymentMethod(trx, decision.method);
      return { kind: decision.kind, payment: await settlePayment(settle, decision.payment, decision.method.token, uow) };
    case 'open':
      if (held) {
        // locked with the batch's prefetch, under the order's lock: the payment is new, and the
        // write goes with the COMMIT (it fails, and the message is retried, if it were not)
        uow.send(openClaimingMethodWrite(decision.payment, decision.method));
      } else if (!(await insertPaymentClaimingMethod(trx, decision.payment, decision.method))) throw unlocked(order.orderId);
      return { kind: decision.kind, payment: decision.payment };
    case 'decline':
      if (existing) await updatePayment(trx, decision.payment);
      else if (!(await insertPayment(trx, decision.payment))) throw unlocked(order.orderId);
      outbox.add(decision.event.type, { subject: order.orderId, data: decision.event.data });
      return { kind: decision.kind, payment: decision.payment, ...('detail' in decision.event.data ? { detail: decision.event.data.detail } : {}) };
  }
}

function unlocked(orderId: string): AppError {
  return new AppError('transient', 'a payment was recorded without the order lock; retrying', { details: { orderId } });
}

/** The payments (by order) and payment methods (by id) of a batch's orders.created, locked ahead of its handlers; 'read' once a handler has used one. */
const openingPayments: PrefetchedKind<Payment | null | 'read'> = { name: 'opening-payments' };
const openingMethods: PrefetchedKind<PaymentMethod | null | 'read'> = { name: 'opening-methods' };

/**
 * orders.created's prefetch: each order's payment and the payment method it names, locked and
 * read with one statement sent behind the batch's own first (no round trip of its own).
 */
export async function prefetchOpening(orders: readonly OrderCreated[], { trx, prefetched }: UnitOfWork): Promise<void> {
  const wanted = [...new Map(orders.map((o) => [paymentAndMethodKey(o.orderId, o.payment.paymentMethodId), { orderId: o.orderId, paymentMethodId: o.payment.paymentMethodId }])).values()];
  if (wanted.length === 0) return;
  const found = await lockPaymentsAndMethods(trx, wanted);
  for (const w of wanted) {
    const { payment, method } = found.get(paymentAndMethodKey(w.orderId, w.paymentMethodId)) ?? {};
    prefetched.add(openingPayments, w.orderId, payment ?? null);
    prefetched.add(openingMethods, w.paymentMethodId, method ?? null);
  }
}

/**
 * The order's payment and its payment method as the prefetch holds them, each used once: what
 * the handler writes leaves them stale, so a later orders.created of the batch that names the
 * same order or the same method reads them itself (and sees that write: it went first on the
 * batch's connection). Undefined when either is not held.
 */
function heldForOpening(order: OrderCreated, { prefetched }: UnitOfWork): { payment: Payment | undefined; method: PaymentMethod | undefined } | undefined {
  const payment = prefetched.get(openingPayments, order.orderId);
  const method = prefetched.get(openingMethods, order.payment.paymentMethodId);
  prefetched.update(openingPayments, order.orderId, 'read');
  prefetched.update(openingMethods, order.payment.paymentMethodId, 'read');
  if (payment === undefined || payment === 'read' || method === undefined || method === 'read') return undefined;
  return { payment: payment ?? undefined, method: method ?? undefined };
}
