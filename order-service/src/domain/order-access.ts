import { AppError, isAdmin, type Principal } from '@order-platform/shared';

/**
 * Who may act on which order. A customer acts only on their own orders, and another
 * customer's order does not exist for them (404, not 403: order ids cannot be probed);
 * an admin acts on any.
 */
export function assertVisible<O extends { customerId: string }>(order: O | undefined, actor: Principal, orderId: string): O {
  if (!order || (!isAdmin(actor) && order.customerId !== actor.id)) throw new AppError('not_found', `order ${orderId} does not exist`);
  return order;
}

/**
 * The customer a request is about: a customer is always themself (naming another is 403); an
 * admin names one, or lists everyone's when listing.
 */
export function customerOf(actor: Principal, requested: string | undefined): string | undefined {
  if (isAdmin(actor)) return requested;
  if (requested !== undefined && requested !== actor.id) throw new AppError('forbidden', 'customers act only for themselves: customerId must be your own');
  return actor.id;
}
