import { expect } from 'chai';
import { ConfigError } from '@order-platform/shared';
import { loadApiConfig, loadWorkerConfig } from '../../src/config.js';

describe('payment-service config', () => {
  const secret = { JWT_SECRET: 'x'.repeat(32) };

  it('keeps an unused payment method 60 minutes, and sweeps expired ones every minute', () => {
    expect(loadApiConfig(secret).paymentMethodTtlMinutes).to.equal(60);
    expect(loadWorkerConfig({}).paymentMethodSweepIntervalMs).to.equal(60_000);
  });

  it('retries a charge for 30 s at most, and waits 5 minutes for an orders.created, checked every minute', () => {
    expect(loadWorkerConfig({})).to.include({ paymentChargeBudgetMs: 30_000, paymentOrderWaitMs: 300_000, paymentOrderSweepIntervalMs: 60_000 });
    expect(loadWorkerConfig({ PAYMENT_CHARGE_BUDGET_MS: '2000', PAYMENT_ORDER_WAIT_MS: '1000' })).to.include({ paymentChargeBudgetMs: 2000, paymentOrderWaitMs: 1000 });
    expect(() => loadWorkerConfig({ PAYMENT_CHARGE_BUDGET_MS: '-1' })).to.throw(ConfigError, /PAYMENT_CHARGE_BUDGET_MS/);
  });

  it('reads both from the environment and refuses a TTL that is not a positive number', () => {
    expect(loadApiConfig({ ...secret, PAYMENT_METHOD_TTL_MINUTES: '15' }).paymentMethodTtlMinutes).to.equal(15);
    expect(loadWorkerConfig({ PAYMENT_METHOD_SWEEP_INTERVAL_MS: '5000' }).paymentMethodSweepIntervalMs).to.equal(5000);
    expect(() => loadApiConfig({ ...secret, PAYMENT_METHOD_TTL_MINUTES: '0' })).to.throw(ConfigError, /PAYMENT_METHOD_TTL_MINUTES/);
  });
});
