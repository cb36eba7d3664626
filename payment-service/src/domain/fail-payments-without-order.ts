import { inTransaction, type UnitOfWorkDeps } from '@order-platform/shared';
import { lockPaymentsAwaitingOrder, updatePayment } from '../data/payments-repository.js';
import type { PaymentDeps } from './deps.js';
import { chargeKey } from './gateway.js';
import { decideOrderNeverCame } from './payment-decisions.js';

/**
 * The worker's sweep: payments whose stock was reserved more than `waitMs` ago and whose
 * orders.created never came fail as payment_unavailable (see decideOrderNeverCame), a batch per
 * transaction. Returns the orders it failed, and those whose charge the gateway says was taken
 * (left for their orders.created's redelivery to record; they are reported every sweep until then).
 */
export async function failPaymentsWithoutOrder(deps: PaymentDeps & UnitOfWorkDeps, waitMs: number, batchSize = 100): Promise<{ failed: string[]; taken: string[] }> {
  return inTransaction(deps, async ({ trx, outbox, now }) => {
    const failed: string[] = [];
    const taken: string[] = [];
    for (const payment of await lockPaymentsAwaitingOrder(trx, new Date(now.getTime() - waitMs), batchSize)) {
      const held = await deps.gateway.voidCharge({ idempotencyKey: chargeKey(payment.id) });
      const decision = decideOrderNeverCame(payment, held, waitMs, now);
      if (decision.kind === 'leave') {
        taken.push(payment.orderId);
        continue;
      }
      await updatePayment(trx, decision.payment);
      outbox.add(decision.event.type, { subject: payment.orderId, data: decision.event.data });
      failed.push(payment.orderId);
    }
    return { failed, taken };
  });
}
