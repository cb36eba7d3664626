import { expect } from 'chai';
import { cardRule } from '../../src/data/simulated-gateway.js';

describe('the simulated gateway reading a card token', () => {
  it('captures tok_ok on the first attempt', () => {
    expect(cardRule('tok_ok', 1)).to.deep.equal({ outcome: 'captured' });
  });

  it('declines tok_declined for good', () => {
    for (const attempt of [1, 2, 5]) expect(cardRule('tok_declined', attempt)).to.deep.equal({ outcome: 'declined', detail: 'card declined by the issuer' });
  });

  it('is unavailable for tok_flaky twice, then captures', () => {
    expect([1, 2, 3, 4].map((attempt) => cardRule('tok_flaky', attempt).outcome)).to.deep.equal(['unavailable', 'unavailable', 'captured', 'captured']);
  });

  it('is always unavailable for tok_unavailable', () => {
    expect([1, 2, 3, 10].map((attempt) => cardRule('tok_unavailable', attempt).outcome)).to.deep.equal(['unavailable', 'unavailable', 'unavailable', 'unavailable']);
  });

  it('declines any other token', () => {
    expect(cardRule('tok_whatever', 1)).to.deep.equal({ outcome: 'declined', detail: 'unknown card token' });
  });
});
