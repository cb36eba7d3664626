import type { Knex, Principal } from '@order-platform/shared';
import { listHistory } from '../data/order-history-repository.js';
import { findStatus } from '../data/orders-repository.js';
import { assertVisible } from './order-access.js';

/** Every transition of an order, oldest first, with what caused it. */
export async function orderHistory(db: Knex, orderId: string, actor: Principal) {
  assertVisible(await findStatus(db, orderId), actor, orderId);
  const entries = await listHistory(db, orderId);
  return entries.map((e) => ({ from: e.from, to: e.to, cause: e.cause, eventId: e.causeId, reason: e.reason, at: e.at.toISOString() }));
}
