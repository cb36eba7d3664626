import { expect } from 'chai';
import { decideReplicas, policyProblems, type ScalingPolicy, type ScalingState } from '../../src/autoscale/decide-replicas.js';

const policy: ScalingPolicy = { minReplicas: 1, maxReplicas: 5, targetLagPerReplica: 100, scaleDownLagPerReplica: 20, cooldownMs: 60_000 };
const t0 = Date.parse('2025-01-01T00:00:00Z');
const settled = (replicas: number): ScalingState => ({ replicas, lastChangeAt: undefined });
const changed = (replicas: number, secondsAgo: number): ScalingState => ({ replicas, lastChangeAt: t0 - secondsAgo * 1000 });

describe('decideReplicas', () => {
  it('keeps one replica while the lag is within what one replica is sized for', () => {
    expect(decideReplicas(policy, settled(1), 0, t0)).to.include({ replicas: 1, change: 'none' });
    expect(decideReplicas(policy, settled(1), 100, t0)).to.include({ replicas: 1, change: 'none' });
  });

  it('scales up as the lag grows, to the count that brings lag per replica back to the target', () => {
    expect(decideReplicas(policy, settled(1), 101, t0)).to.include({ replicas: 2, change: 'up' });
    expect(decideReplicas(policy, settled(1), 250, t0)).to.include({ replicas: 3, change: 'up' });
    expect(decideReplicas(policy, settled(2), 390, t0)).to.include({ replicas: 4, change: 'up' });
  });

  it('explains a decision with the lag, the replicas and the rule that applied', () => {
    expect(decideReplicas(policy, settled(1), 250, t0).reason).to.equal('lag 250 on 1 replica (250 each): above the target 100: scale up to 3');
    expect(decideReplicas(policy, settled(4), 0, t0).reason).to.equal('lag 0 on 4 replicas (0 each): below 20: scale down to 1 (the minimum)');
  });

  it('clamps a scale-up to the maximum, and stays there however large the lag', () => {
    const up = decideReplicas(policy, settled(1), 100_000, t0);
    expect(up).to.include({ replicas: 5, change: 'up' });
    expect(up.reason).to.include('(the maximum)');
    const atMax = decideReplicas(policy, settled(5), 100_000, t0);
    expect(atMax).to.include({ replicas: 5, change: 'none' });
    expect(atMax.reason).to.include('already at the maximum 5');
  });

  it('does not flap while lag per replica stays inside the band between the two thresholds', () => {
    for (const lag of [60, 120, 200, 300]) {
      expect(decideReplicas(policy, settled(3), lag, t0), `lag ${lag}`).to.include({ replicas: 3, change: 'none' });
    }
    expect(decideReplicas(policy, settled(3), 200, t0).reason).to.include('within 20–100');
  });

  it('does not scale down when fewer replicas would each be over the target again', () => {
    const tight = { ...policy, scaleDownLagPerReplica: 80 };
    const decision = decideReplicas(tight, settled(2), 150, t0);
    expect(decision).to.include({ replicas: 2, change: 'none' });
    expect(decision.reason).to.include('fewer replicas would each have more than the target');
  });

  it('changes nothing during the cool-down after a change, in either direction', () => {
    const up = decideReplicas(policy, changed(2, 30), 1000, t0);
    expect(up).to.include({ replicas: 2, change: 'none' });
    expect(up.reason).to.include('cooling down for 30 s more');
    expect(decideReplicas(policy, changed(4, 59), 0, t0)).to.include({ replicas: 4, change: 'none' });
  });

  it('acts again once the cool-down has passed', () => {
    expect(decideReplicas(policy, changed(2, 60), 1000, t0)).to.include({ replicas: 5, change: 'up' });
  });

  it('scales down after the backlog has drained, to the count the remaining lag needs', () => {
    expect(decideReplicas(policy, changed(5, 120), 0, t0)).to.include({ replicas: 1, change: 'down' });
    expect(decideReplicas(policy, changed(5, 120), 90, t0)).to.include({ replicas: 1, change: 'down' });
    expect(decideReplicas({ ...policy, maxReplicas: 10 }, changed(10, 120), 150, t0)).to.include({ replicas: 2, change: 'down' });
  });

  it('never goes below the minimum, and restores it at once when the worker runs fewer', () => {
    const floor = { ...policy, minReplicas: 2 };
    expect(decideReplicas(floor, settled(2), 0, t0)).to.include({ replicas: 2, change: 'none' });
    expect(decideReplicas(floor, changed(4, 600), 0, t0)).to.include({ replicas: 2, change: 'down' });
    expect(decideReplicas(floor, changed(0, 1), 0, t0)).to.include({ replicas: 2, change: 'up' });
    expect(decideReplicas(floor, changed(7, 1), 0, t0)).to.include({ replicas: 5, change: 'down' });
  });

  it('rejects a policy with zero minimum replicas, an inverted band or bounds the wrong way round', () => {
    expect(policyProblems(policy)).to.deep.equal([]);
    expect(policyProblems({ ...policy, minReplicas: 0 })).to.have.length(1);
    expect(policyProblems({ ...policy, scaleDownLagPerReplica: 100 })).to.have.length(1);
    expect(policyProblems({ ...policy, minReplicas: 6 })).to.have.length(1);
  });
});
