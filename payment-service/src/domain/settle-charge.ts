import { isAppError, type UnitOfWork } from '@order-platform/shared';
import { paymentUpdate } from '../data/payments-repository.js';
import type { PaymentDeps } from './deps.js';
import { chargeKey, type ChargeResult } from './gateway.js';
import type { Payment, PendingPayment, Settled } from './payment.js';
import { settleCharge, settleUnavailable } from './payment-settlements.js';

/**
 * How a payment that may be charged now is settled: by charging its card, or, once the
 * message's retries ran out, by giving up. Whichever of orders.created and stock.reserved
 * comes second settles it, so both handlers and both on-exhausted hooks share this. `card` is
 * the token its payment method holds, read with the payment (null once erased): a pending
 * payment's method holds its card until the payment settles (see updatePayment).
 */
export type Settle = (payment: PendingPayment, card: string | null, uow: UnitOfWork) => Promise<Settled>;

/**
 * Charges the card. A transient gateway failure propagates and the message is retried: that is
 * the only reason a charge is retried. `attempt` is the how-manieth time this charge is tried
 * (the handler passes its message's delivery count), written with the outcome, in the unit of work.
 */
export function chargeCard(deps: PaymentDeps, attempt: number): Settle {
  return async (payment, card, { now }) => {
    const result: ChargeResult = card
      ? await deps.gateway.charge({ idempotencyKey: chargeKey(payment.id), token: card, amount: payment.amount })
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
  return async (payment, _card, { now }) => {
    const held = await deps.gateway.voidCharge({ idempotencyKey: chargeKey(payment.id) });
    return settleUnavailable(payment, held, detail, attempt, now);
  };
}

/**
 * The retries ran out. When the last of them was the gateway saying it is unavailable, give up.
 * When it was anything else (the database away during a restart, deliveries used up by crashes),
 * the gateway may never have been asked, and failing the order as payment_unavailable would be
 * untrue: charge once more, and give up only if the gateway is unavailable now. A database error
 * here fails the hook, which the consumer keeps and runs again later
 * (shared/src/consumer/last-resort.ts), so no order is left waiting either.
 */
export function settleExhausted(deps: PaymentDeps, error: unknown, attempt: number): Settle {
  const detail = error instanceof Error ? error.message : String(error);
  if (isGatewayUnavailable(error)) return giveUp(deps, detail, attempt);
  const charge = chargeCard(deps, attempt);
  return async (payment, card, uow) => {
    try {
      return await charge(payment, card, uow);
    } catch (chargeError) {
      if (isGatewayUnavailable(chargeError)) return giveUp(deps, (chargeError as Error).message, attempt)(payment, card, uow);
      throw chargeError;
    }
  };
}

/** The gateway's answer when it cannot take a request now (see Gateway); other errors are the service's own. */
function isGatewayUnavailable(error: unknown): boolean {
  return isAppError(error) && error.kind === 'transient' && typeof error.details?.['idempotencyKey'] === 'string';
}

/** Settles the payment (charging `card`, the token its payment method holds), records it and announces the outcome. */
export async function settlePayment(settle: Settle, payment: PendingPayment, card: string | null, uow: UnitOfWork): Promise<Payment> {
  const { payment: settled, event } = await settle(payment, card, uow);
  // sent, not awaited: it goes out with what follows it, the batch's events and COMMIT (its failure is the message's)
  uow.send(paymentUpdate(settled));
  uow.outbox.add(event.type, { subject: payment.orderId, data: event.data });
  return settled;
}
