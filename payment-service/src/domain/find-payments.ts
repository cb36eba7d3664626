import { listPaymentsOfOrder } from '../data/payments-repository.js';
import type { QueryDeps } from './deps.js';
import { paymentView, type PaymentView } from './payment.js';

/** The payments of one order (none, or one). */
export async function findPayments(deps: QueryDeps, orderId: string): Promise<PaymentView[]> {
  return (await listPaymentsOfOrder(deps.db, orderId)).map(paymentView);
}
