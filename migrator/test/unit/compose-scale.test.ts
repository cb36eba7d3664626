import { expect } from 'chai';
import { composeScaleCommand } from '../../src/autoscale/compose-scale.js';

describe('composeScaleCommand', () => {
  it('scales only the worker service, leaving running replicas and its dependencies alone', () => {
    expect(composeScaleCommand('docker compose', 'payment-service-worker', 3)).to.deep.equal([
      'docker', 'compose', 'up', '-d', '--no-deps', '--no-recreate', '--scale', 'payment-service-worker=3', 'payment-service-worker',
    ]);
  });

  it('works with compose v1 named as one word', () => {
    expect(composeScaleCommand(' docker-compose ', 'order-worker', 1).slice(0, 2)).to.deep.equal(['docker-compose', 'up']);
  });
});
