import { deliveriesWithin, type RetryPolicy } from '@order-platform/shared';

/**
 * The most deliveries a charging consumer is declared with (the server's `max_deliver` is this
 * plus SPARE_DELIVERIES); the budget picks how many of them the worker uses.
 */
export const MAX_CHARGE_ATTEMPTS = 20;

/**
 * How many deliveries a charge gets, so that a gateway that stays unavailable ends in
 * payments.failed within `budgetMs` of the first one (at least 1, at most MAX_CHARGE_ATTEMPTS).
 * At the defaults (30 s, 500 ms doubling) that is 6.
 */
export function chargeAttempts(budgetMs: number, retry: RetryPolicy): number {
  return deliveriesWithin(budgetMs, retry, MAX_CHARGE_ATTEMPTS);
}
