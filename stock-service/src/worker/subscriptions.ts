import type { ConsumerDeclaration, Subscription } from '@order-platform/shared';

/**
 * The consumers this service declares and the handler of each. Stock reacts to the order
 * saga (orders.created / confirmed / cancelled) once that lands; until then its worker only
 * relays its outbox.
 */
export const consumers: ConsumerDeclaration[] = [];

export function subscriptions(): Subscription[] {
  return [];
}
