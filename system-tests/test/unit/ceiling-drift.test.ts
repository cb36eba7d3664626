import { expect } from 'chai';
import { ceilingDrift, DRIFT_WARNING_PERCENT } from '../../../scripts/bench/report.mjs';

// make bench measures its raw ceilings before and after the run: how far they moved says how
// steady the machine was, and past DRIFT_WARNING_PERCENT the run says its figures are suspect.
describe('bench: the raw ceilings before and after a run', () => {
  const ceilings = (tx: number, publishes: number) => ({ postgres: { txPerSecond: tx }, jetstream: { publishesPerSecond: publishes } });

  it('gives each ceiling’s change in % of the first measurement', () => {
    const drift = ceilingDrift(ceilings(5000, 20_000), ceilings(4000, 21_000));
    expect(drift.postgres).to.be.closeTo(-20, 1e-9);
    expect(drift.jetstream).to.be.closeTo(5, 1e-9);
  });

  it('calls the machine unsteady when the Postgres ceiling moved by more than the limit, up or down', () => {
    expect(DRIFT_WARNING_PERCENT).to.equal(15);
    expect(ceilingDrift(ceilings(5000, 20_000), ceilings(5700, 20_000)).unsteady, '+14 %').to.equal(false);
    expect(ceilingDrift(ceilings(5000, 20_000), ceilings(4300, 20_000)).unsteady, '−14 %').to.equal(false);
    expect(ceilingDrift(ceilings(5000, 20_000), ceilings(5800, 20_000)).unsteady, '+16 %').to.equal(true);
    expect(ceilingDrift(ceilings(5000, 20_000), ceilings(4000, 20_000)).unsteady, '−20 %').to.equal(true);
  });

  it('leaves the JetStream burst out of that judgement (its first measurement warms the client up)', () => {
    const drift = ceilingDrift(ceilings(5000, 17_000), ceilings(5100, 42_000));
    expect(drift.jetstream).to.be.above(100);
    expect(drift.unsteady).to.equal(false);
  });
});
