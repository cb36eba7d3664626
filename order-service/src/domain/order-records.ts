import type { OrderRecord, OrderRecordsReader } from '@order-platform/shared';
import { listHistory } from '../data/order-history-repository.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** order-service's facts about an order for the console's timeline: each transition of its history, with its cause. */
export const orderRecords: OrderRecordsReader = async (db, orderId) => {
  if (!uuid.test(orderId)) return []; // order ids are uuids: another id is no order of ours
  const history = await listHistory(db, orderId);
  return history.map(
    (entry): OrderRecord => ({
      at: entry.at.toISOString(),
      kind: 'transition',
      summary: `${entry.from ?? '(new)'} → ${entry.to} on ${entry.cause}${entry.reason ? ` (${entry.reason})` : ''}`,
      details: { from: entry.from, to: entry.to, cause: entry.cause, eventId: entry.causeId, reason: entry.reason },
    }),
  );
};
