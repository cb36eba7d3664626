import { AppError, type Knex } from '@order-platform/shared';
import { findStatus, listHistory } from '../data/orders-repository.js';

/** Every transition of an order, oldest first, with what caused it. */
export async function orderHistory(db: Knex, orderId: string) {
  if (!(await findStatus(db, orderId))) throw new AppError('not_found', `order ${orderId} does not exist`);
  const entries = await listHistory(db, orderId);
  return entries.map((e) => ({ from: e.from, to: e.to, cause: e.cause, eventId: e.causeId, reason: e.reason, at: e.at.toISOString() }));
}
