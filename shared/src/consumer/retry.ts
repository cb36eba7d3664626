/** How a failed message is retried: the delay before its next delivery grows with each one. */
export interface RetryPolicy {
  /** delay before the second delivery; doubles each time */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Each delay is its nominal value times a factor in [1 - JITTER, 1 + JITTER], so retries of a burst spread out. */
const JITTER = 0.2;

/** The delay after the `delivery`-th failed delivery, before jitter. */
export function nominalBackoff(delivery: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, delivery - 1));
}

/** The delay after the `delivery`-th failed delivery, jittered. */
export function backoff(delivery: number, policy: RetryPolicy): number {
  return Math.round(nominalBackoff(delivery, policy) * (1 - JITTER + Math.random() * 2 * JITTER));
}

/**
 * The most deliveries (1 to `most`) whose waits, each at its longest jitter, add up to no more
 * than `budgetMs`: how many attempts fit in a time budget. At 500 ms doubling a 30 s budget
 * gives 6: the waits are 0.5 + 1 + 2 + 4 + 8 = 15.5 s (18.6 s at most); a seventh would come
 * after 31.5 s.
 */
export function deliveriesWithin(budgetMs: number, policy: RetryPolicy, most: number): number {
  let deliveries = 1;
  let waited = 0;
  while (deliveries < most) {
    waited += nominalBackoff(deliveries, policy) * (1 + JITTER);
    if (waited > budgetMs) break;
    deliveries += 1;
  }
  return deliveries;
}
