import { isUnavailable } from '../errors.js';
import type { Logger } from '../logger.js';

export interface WaitOptions {
  log: Logger;
  /** first pause between attempts; it doubles up to `maxDelayMs` */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** how often, at most, "still waiting" is logged */
  logEveryMs?: number;
}

/**
 * Runs `attempt` until it succeeds, pausing with a growing delay while it fails with an
 * `isUnavailable` error, and telling the operator what it waits for (at the first failure, then
 * every `logEveryMs`) and when it got it. Any other error is thrown at once. It waits for as
 * long as it takes: the process stays up, not ready, and a supervisor need not restart it.
 */
export async function waitFor<T>(what: string, where: string, attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
  const { log, baseDelayMs = 250, maxDelayMs = 5000, logEveryMs = 15_000 } = options;
  const started = Date.now();
  let delay = baseDelayMs;
  let attempts = 0;
  let loggedAt = 0;
  for (;;) {
    try {
      const result = await attempt();
      if (attempts > 0) log.info({ dependency: what, at: where, attempts: attempts + 1, waitedMs: Date.now() - started }, `${what} is reachable: going on`);
      return result;
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      attempts++;
      if (Date.now() - loggedAt >= logEveryMs) {
        loggedAt = Date.now();
        log.warn({ dependency: what, at: where, attempts, waitedMs: loggedAt - started, error: (error as Error).message }, `waiting for ${what}: not ready until it answers`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}
