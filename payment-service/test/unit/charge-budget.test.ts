import { expect } from 'chai';
import { backoff, nominalBackoff as nominalDelay } from '@order-platform/shared';
import { chargeAttempts, MAX_CHARGE_ATTEMPTS } from '../../src/worker/charge-budget.js';

const defaults = { baseDelayMs: 500, maxDelayMs: 30_000 };
/** The longest the waits before the n-th delivery can add up to, at the runner's jitter. */
const longestWaits = (n: number, retry = defaults) => Array.from({ length: n - 1 }, (_, i) => nominalDelay(i + 1, retry) * 1.2).reduce((a, b) => a + b, 0);

describe('the charge budget', () => {
  it('at the defaults (30 s, 500 ms doubling) gives a charge 6 deliveries: the last fails within 18.6 s, a seventh could come after 30 s', () => {
    expect(chargeAttempts(30_000, defaults)).to.equal(6);
    expect(longestWaits(6)).to.be.at.most(30_000);
    expect(longestWaits(7)).to.be.above(30_000);
  });

  it('always allows one attempt, and never more than the consumers declare', () => {
    expect(chargeAttempts(0, defaults)).to.equal(1);
    expect(chargeAttempts(599, defaults)).to.equal(1);
    expect(chargeAttempts(600, defaults)).to.equal(2);
    expect(chargeAttempts(3_600_000, { baseDelayMs: 100, maxDelayMs: 1000 })).to.equal(MAX_CHARGE_ATTEMPTS);
  });

  it("computes the waits as the runner's backoff does, within its jitter", () => {
    for (const retry of [defaults, { baseDelayMs: 100, maxDelayMs: 1000 }]) {
      for (let delivery = 1; delivery <= MAX_CHARGE_ATTEMPTS; delivery++) {
        for (let i = 0; i < 200; i++) {
          const delay = backoff(delivery, retry);
          expect(delay, `delivery ${delivery}`).to.be.within(Math.floor(nominalDelay(delivery, retry) * 0.8), Math.ceil(nominalDelay(delivery, retry) * 1.2));
        }
      }
    }
  });
});
