import type { UnitOfWork } from '@order-platform/shared';
import { findCardToken } from '../data/payment-methods-repository.js';
import { updatePayment } from '../data/payments-repository.js';
import type { PaymentDeps } from './deps.js';
import { chargeKey, type ChargeResult } from './gateway.js';
import type { Payment, PendingPayment, Settled } from './payment.js';
import { settleCharge, settleUnavailable } from './payment-settlements.js';

/**
 * How a payment that may be charged now is settled: by charging its card, or, once the
 * message's retries ran out, by giving up. Whichever of orders.created and stock.reserved
 * comes second settles it, so both handlers and both on-exhausted hooks share this.
 */
export type Settle = (payment: PendingPayment, uow: UnitOfWork) => Promise<Settled>;

/**
 * Charges the card. A transient gateway failure propagates and the message is retried: that is
 * the only reason a charge is retried. `attempt` is the how-manieth time this charge is tried
 * (the handler passes its message's delivery count), written with the outcome, in the unit of work.
 */
export function chargeCard(deps: PaymentDeps, attempt: number): Settle {
  return async (payment, { trx, now }) => {
    // A pending payment's method holds its card until the payment settles (see updatePayment).
    const token = await findCardToken(trx, payment.paymentMethodId);
    const result: ChargeResult = token
      ? await deps.gateway.charge({ idempotencyKey: chargeKey(payment.id), token, amount: payment.amount })
      : { outcome: 'declined', detail: 'the payment method holds no card' };
    return settleCharge(payment, result, attempt, now);
  };
}

/**
 * The retries ran out: the charge is voided at the gateway and the payment fails as
 * payment_unavailable; if its last attempt was taken after all (the answer lost to a crash), it
 * is captured instead.
 */
export function giveUp(deps: PaymentDeps, detail: string, attempt: number): Settle {
  return async (payment, { now }) => {
    const held = await deps.gateway.voidCharge({ idempotencyKey: chargeKey(payment.id) });
    return settleUnavailable(payment, held, detail, attempt, now);
  };
}

/** Settles the payment, records it and announces the outcome. */
export async function settlePayment(settle: Settle, payment: PendingPayment, uow: UnitOfWork): Promise<Payment> {
  const { payment: settled, event } = await settle(payment, uow);
  await updatePayment(uow.trx, settled);
  uow.outbox.add(event.type, { subject: payment.orderId, data: event.data });
  return settled;
}
