import { formatMinorUnits, type Money, type OrderRecord, type OrderRecordsReader } from '@order-platform/shared';
import { listPaymentsOfOrder } from '../data/payments-repository.js';
import { listGatewayOperations } from '../data/simulated-gateway.js';
import { chargeKey, refundKey } from './gateway.js';

// minor units to the currency's own decimals (2 for EUR, 0 for JPY)
const money = (m: Money | null): string => (m ? formatMinorUnits(m) : 'an amount not known yet');

/**
 * payment-service's facts about an order for the console's timeline: the payment when opened, its
 * status now when it has changed since, and each gateway operation (the charge with its requests
 * and outcome, or its failure detail; the refund).
 */
export const paymentRecords: OrderRecordsReader = async (db, orderId) => {
  const payments = await listPaymentsOfOrder(db, orderId);
  const operations = await listGatewayOperations(db, payments.flatMap((p) => [chargeKey(p.id), refundKey(p.id)]));
  const records: OrderRecord[] = [];
  for (const p of payments) {
    records.push({ at: p.createdAt.toISOString(), kind: 'payment', summary: `payment opened for ${money(p.amount)}`, details: { paymentId: p.id, amount: p.amount } });
    if (p.updatedAt.getTime() !== p.createdAt.getTime()) {
      const reason = p.failureReason ? ` (${p.failureReason})` : '';
      records.push({ at: p.updatedAt.toISOString(), kind: 'payment-status', summary: `payment ${p.status}${reason}`, details: { paymentId: p.id, status: p.status, attempts: p.attempts, failureReason: p.failureReason } });
    }
  }
  for (const op of operations) {
    const outcome = op.outcome ?? 'no answer yet: gateway unavailable';
    records.push({
      at: op.updatedAt.toISOString(),
      kind: `gateway-${op.kind}`,
      summary: `${op.kind} of ${money(op.amount)}: ${outcome}${op.detail && op.detail !== op.outcome ? ` (${op.detail})` : ''} after ${op.attempts} request(s)`,
      details: { idempotencyKey: op.key, outcome: op.outcome, detail: op.detail, requests: op.attempts, amount: op.amount, firstRequestAt: op.createdAt.toISOString() },
    });
  }
  return records.sort((a, b) => a.at.localeCompare(b.at));
};
