import { AppError, type AnyEventEnvelope, type UnitOfWork } from '@order-platform/shared';
import { advanceOrder } from './advance-order.js';
import type { OrderFact } from './order-lifecycle.js';

/** Applies what another service reported about an order; unknown orders and no-op facts are logged and acknowledged. */
export async function recordOrderFact(event: AnyEventEnvelope & { data: { orderId: string } }, fact: OrderFact, uow: UnitOfWork): Promise<void> {
  const { log } = uow;
  if (event.subject !== event.data.orderId) throw new AppError('permanent', `${event.type} about order ${event.data.orderId} has ce-subject ${event.subject}`);
  const result = await advanceOrder(event.data.orderId, fact, { name: event.type, id: event.id }, uow);
  if (result.outcome === 'unknown_order') log.warn({ orderId: event.data.orderId }, 'event for an unknown order ignored');
  else if (result.outcome === 'changed') log.info({ orderId: event.data.orderId, status: result.order.status }, 'order advanced');
  else log.debug({ orderId: event.data.orderId, status: result.order.status }, 'event changes nothing in this state');
}
