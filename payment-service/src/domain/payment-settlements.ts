import type { Money } from '@order-platform/shared';
import type { ChargeResult, VoidResult } from './gateway.js';
import { capture, fail, unreachable, type AwaitingOrderPayment, type CapturedPayment, type Payment, type PendingPayment, type Settled } from './payment.js';

// What the gateway's answers make of a payment: a charge captured or declined, a charge given
// up on, a void, a refund. Each gives the settled payment and the event announcing it.

/** The gateway answered the charge; `attempts` is the delivery count of the message that asked it. */
export function settleCharge(payment: PendingPayment, result: ChargeResult, attempts: number, now: Date): Settled {
  switch (result.outcome) {
    case 'captured':
      return capture({ ...payment, attempts }, now);
    case 'declined':
      return fail({ ...payment, attempts }, 'payment_declined', result.detail, now);
    default:
      return unreachable(result);
  }
}

/**
 * The charge's retries ran out (attempts: the last delivery's count), and the gateway was asked
 * to void it: failed as unavailable, or captured if it had been taken after all.
 */
export function settleUnavailable(payment: PendingPayment, held: VoidResult, detail: string, attempts: number, now: Date): Settled {
  return held.outcome === 'captured' ? capture({ ...payment, attempts }, now) : fail({ ...payment, attempts }, 'payment_unavailable', detail, now);
}

/**
 * After the gateway was asked to void a cancelled payment's charge: voided, or captured (then
 * refunded) if it had been taken after all. The cancel tells the total when the order was not seen.
 */
export function settleVoid(payment: PendingPayment | AwaitingOrderPayment, held: VoidResult, total: Money, now: Date): { kind: 'voided'; payment: Payment } | { kind: 'taken'; captured: Settled<CapturedPayment> } {
  const known = { ...payment, amount: payment.amount ?? total };
  if (held.outcome === 'captured') return { kind: 'taken', captured: capture(known, now) };
  return { kind: 'voided', payment: { ...known, status: 'voided', updatedAt: now } };
}

/** `customerId` comes from the cancellation, so the refund can be announced to the customer. */
export function refundPayment(payment: CapturedPayment, customerId: string, now: Date): Settled {
  return {
    payment: { ...payment, status: 'refunded', updatedAt: now },
    event: {
      type: 'payments.refunded',
      data: { orderId: payment.orderId, customerId, paymentId: payment.id, amount: payment.amount, refundedAt: now.toISOString() },
    },
  };
}
