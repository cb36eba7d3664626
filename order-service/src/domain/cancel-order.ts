import { AppError, inTransaction, type Principal } from '@order-platform/shared';
import { findStatus } from '../data/orders-repository.js';
import { advanceOrder } from './advance-order.js';
import { assertVisible } from './order-access.js';
import type { UseCaseDeps } from './deps.js';
import type { OrderView } from './order.js';

/** A customer cancels: pending, stock_reserved and confirmed orders become cancelled; compensation follows from orders.cancelled. */
export async function cancelOrder(deps: UseCaseDeps, orderId: string, actor: Principal): Promise<OrderView> {
  return inTransaction(deps, async (uow) => {
    assertVisible(await findStatus(uow.trx, orderId), actor, orderId); // the owner never changes: no lock needed
    const result = await advanceOrder(orderId, { kind: 'cancel_requested' }, { name: 'POST /orders/:id/cancel' }, uow);
    if (result.outcome === 'unknown_order') throw new AppError('not_found', `order ${orderId} does not exist`);
    if (result.outcome === 'unchanged') throw new AppError('conflict', `order ${orderId} is already cancelled`);
    return result.order;
  });
}
