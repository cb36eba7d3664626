import { expect } from 'chai';
import { ConfigError } from '@order-platform/shared';
import { loadAutoscaleConfig, scalingPolicy } from '../../src/config.js';

describe('autoscale configuration', () => {
  it('has documented defaults: 1 to 5 replicas, target lag 100, scale down below 10, 60 s cool-down, every 10 s', () => {
    const { service, config } = loadAutoscaleConfig(['payment-service'], {});
    expect(service).to.equal('payment-service');
    expect(scalingPolicy(config)).to.deep.equal({ minReplicas: 1, maxReplicas: 5, targetLagPerReplica: 100, scaleDownLagPerReplica: 10, cooldownMs: 60_000 });
    expect(config).to.include({ intervalSeconds: 10, dryRun: false, composeCommand: 'docker compose', composeService: '', initialReplicas: 0 });
  });

  it('takes each setting from the environment, and a flag named after the variable over it', () => {
    const env = { AUTOSCALE_MAX_REPLICAS: '8', AUTOSCALE_TARGET_LAG: '500', AUTOSCALE_DRY_RUN: 'true' };
    const { config } = loadAutoscaleConfig(['order-service', '--max-replicas', '3', '--cooldown-seconds=30'], env);
    expect(config).to.include({ maxReplicas: 3, targetLag: 500, cooldownSeconds: 30, dryRun: true });
    expect(loadAutoscaleConfig(['order-service', '--dry-run'], {}).config.dryRun).to.equal(true);
  });

  it('names no service unless exactly one is given', () => {
    expect(loadAutoscaleConfig([], {}).service).to.equal('');
    expect(loadAutoscaleConfig(['a', 'b'], {}).service).to.equal('');
  });

  it('lists every bad setting at once, the scaling band included', () => {
    const bad = () => loadAutoscaleConfig(['payment-service', '--min-replicas', '0', '--interval-seconds', 'often'], {});
    expect(bad).to.throw(ConfigError).with.property('problems').that.has.length(2);
    expect(() => loadAutoscaleConfig(['payment-service', '--scale-down-lag', '100'], {})).to.throw(ConfigError, 'below the target lag per replica');
    expect(() => loadAutoscaleConfig(['payment-service', '--min-replicas', '6'], {})).to.throw(ConfigError, 'no smaller than the minimum');
  });

  it('refuses an unknown flag', () => {
    expect(() => loadAutoscaleConfig(['payment-service', '--replicas', '3'], {})).to.throw(/Unknown option '--replicas'/);
  });
});
