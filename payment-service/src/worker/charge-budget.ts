import type { RetryPolicy } from '@order-platform/shared';

/**
 * The most deliveries a charging consumer is declared with (the server's `max_deliver` is this
 * plus SPARE_DELIVERIES); the budget picks how many of them the worker uses.
 */
export const MAX_CHARGE_ATTEMPTS = 20;

/** The runner's jitter: each delay is its nominal value times 0.8 to 1.2 (shared `backoff`). */
const LONGEST_JITTER = 1.2;

/**
 * How many deliveries a charge gets, so that a gateway that stays unavailable ends in
 * payments.failed within `budgetMs` of the first one: the largest n whose n - 1 waits, at the
 * runner's backoff with the longest jitter, add up to no more than the budget (at least 1, at
 * most MAX_CHARGE_ATTEMPTS). At the defaults (30 s, 500 ms doubling) that is 6: the waits are
 * 0.5 + 1 + 2 + 4 + 8 = 15.5 s (18.6 s at most), and a seventh would come after 31.5 s.
 */
export function chargeAttempts(budgetMs: number, retry: RetryPolicy): number {
  let attempts = 1;
  let waited = 0;
  while (attempts < MAX_CHARGE_ATTEMPTS) {
    waited += nominalDelay(attempts, retry) * LONGEST_JITTER;
    if (waited > budgetMs) break;
    attempts += 1;
  }
  return attempts;
}

/**
 * The wait after a failed delivery before jitter, as shared `backoff` computes it (a unit test
 * checks that every `backoff` lies within the jitter of this; it is not exported by the runner).
 */
export function nominalDelay(delivery: number, retry: RetryPolicy): number {
  return Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (delivery - 1));
}
