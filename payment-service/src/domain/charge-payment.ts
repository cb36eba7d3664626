import { AppError, type HandlerContext } from '@order-platform/shared';
import { findCardToken } from '../data/payment-methods-repository.js';
import { countChargeAttempt, findPaymentByOrder, updatePayment } from '../data/payments-repository.js';
import type { PaymentDeps } from './deps.js';
import { chargeKey, type ChargeResult } from './gateway.js';
import { decideCharge, settleCharge, type Payment } from './payment.js';

/**
 * stock.reserved: charges the order's pending payment, then records and announces the outcome.
 * The payment stays locked until commit, so a cancel is either seen here (nothing is charged)
 * or waits and then finds the capture (and refunds it). A transient gateway failure propagates
 * and the message is retried; the retries' end is handled by failUnavailablePayment.
 */
export async function chargePayment(deps: PaymentDeps, orderId: string, { trx, outbox, now }: HandlerContext): Promise<Payment> {
  // Counted before the lock, on a connection of its own: a transient failure rolls this
  // handler's transaction back, and the count must stay.
  const counted = await countChargeAttempt(deps.autocommit, orderId, now);
  const decision = decideCharge(await findPaymentByOrder(trx, orderId, { forUpdate: true }));
  if (decision.kind === 'wait') throw new AppError('transient', 'orders.created not seen yet', { details: { orderId } });
  if (decision.kind === 'leave') return decision.payment;
  // The payment became chargeable after the count (orders.created committed in between, or a
  // handler that held it rolled back): retry rather than charge an attempt nobody counted.
  if (!counted) throw new AppError('transient', 'payment became chargeable while the attempt was being counted; retrying', { details: { orderId } });
  const { id, paymentMethodId, amount } = decision.payment;
  // A pending payment's method holds its card until the payment settles (see updatePayment).
  const token = await findCardToken(trx, paymentMethodId);
  const result: ChargeResult = token ? await deps.gateway.charge({ idempotencyKey: chargeKey(id), token, amount }) : { outcome: 'declined', detail: 'the payment method holds no card' };
  const { payment, event } = settleCharge(decision.payment, result, now);
  await updatePayment(trx, payment);
  await outbox.add(event.type, { subject: orderId, data: event.data });
  return payment;
}
