import { expect } from 'chai';
import { AppError } from '@order-platform/shared';
import { recordStatements } from '@order-platform/shared/testing';
import { SimulatedGateway } from '../../../src/data/simulated-gateway.js';
import { gatewayOperation, startPaymentService, type PaymentService } from '../../support/payment-service.js';

const amount = { amount: 5198, currency: 'EUR' };

describe('simulated card gateway', () => {
  let payments: PaymentService;
  let gateway: SimulatedGateway;

  before(async () => {
    payments = await startPaymentService({ worker: false });
    gateway = new SimulatedGateway(payments.api.resources.db);
  });

  after(async () => {
    await payments.close();
  });

  async function transient(attempt: Promise<unknown>): Promise<AppError> {
    const error = await attempt.then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(AppError);
    expect((error as AppError).kind).to.equal('transient');
    return error as AppError;
  }

  it('when a charge is repeated with the same key, it answers the first outcome and charges once', async () => {
    expect(await gateway.charge({ idempotencyKey: 'k-ok', token: 'tok_ok', amount })).to.deep.equal({ outcome: 'captured' });
    // the same key with another token still gets the first answer: nothing is charged again
    expect(await gateway.charge({ idempotencyKey: 'k-ok', token: 'tok_declined', amount })).to.deep.equal({ outcome: 'captured' });
    expect(await gatewayOperation(payments, 'k-ok')).to.include({ kind: 'charge', amount: 5198, currency: 'EUR', attempts: 2, outcome: 'captured' });
  });

  it('charges asked for side by side share commits (a batch charges its orders side by side), each answered as alone', async () => {
    const tokens = ['tok_ok', 'tok_declined', 'tok_unavailable', ...Array.from({ length: 9 }, () => 'tok_ok')];
    const recorded = recordStatements();
    let answers: unknown[];
    try {
      answers = await Promise.all(tokens.map((token, i) => gateway.charge({ idempotencyKey: `k-side-${i}`, token, amount }).then((answer) => answer.outcome, (error: AppError) => error.kind)));
    } finally {
      recorded.restore();
    }
    expect(answers).to.deep.equal(['captured', 'declined', 'transient', ...Array.from({ length: 9 }, () => 'captured')]);
    // each request recorded once; the first alone (the gateway was idle), the eleven that waited in one transaction
    const received = recorded.sent.filter((s) => s.text.startsWith('insert into gateway_operations'));
    expect(received).to.have.length(12);
    expect(new Set(received.map((s) => s.transaction ?? s)).size).to.equal(2);
    expect(await gatewayOperation(payments, 'k-side-1')).to.include({ attempts: 1, outcome: 'declined' });
    expect(await gatewayOperation(payments, 'k-side-2')).to.include({ attempts: 1, outcome: null });
  });

  it('remembers a decline and repeats it', async () => {
    const declined = { outcome: 'declined', detail: 'card declined by the issuer' };
    expect(await gateway.charge({ idempotencyKey: 'k-declined', token: 'tok_declined', amount })).to.deep.equal(declined);
    expect(await gateway.charge({ idempotencyKey: 'k-declined', token: 'tok_declined', amount })).to.deep.equal(declined);
  });

  it('fails tok_flaky transiently on the first two attempts of a key, then captures', async () => {
    await transient(gateway.charge({ idempotencyKey: 'k-flaky', token: 'tok_flaky', amount }));
    await transient(gateway.charge({ idempotencyKey: 'k-flaky', token: 'tok_flaky', amount }));
    expect(await gateway.charge({ idempotencyKey: 'k-flaky', token: 'tok_flaky', amount })).to.deep.equal({ outcome: 'captured' });
    // a new key starts counting afresh
    await transient(gateway.charge({ idempotencyKey: 'k-flaky-2', token: 'tok_flaky', amount }));
    expect(await gatewayOperation(payments, 'k-flaky')).to.include({ attempts: 3, outcome: 'captured' });
  });

  it('keeps failing tok_unavailable, and remembers every attempt', async () => {
    for (let i = 0; i < 4; i++) await transient(gateway.charge({ idempotencyKey: 'k-down', token: 'tok_unavailable', amount }));
    expect(await gatewayOperation(payments, 'k-down')).to.include({ attempts: 4, outcome: null });
  });

  it('a voided charge is never taken afterwards, and voiding a taken charge reports the capture', async () => {
    await transient(gateway.charge({ idempotencyKey: 'k-void', token: 'tok_flaky', amount }));
    expect(await gateway.voidCharge({ idempotencyKey: 'k-void' })).to.deep.equal({ outcome: 'voided' });
    expect((await gateway.charge({ idempotencyKey: 'k-void', token: 'tok_ok', amount })).outcome).to.equal('declined');
    expect(await gateway.voidCharge({ idempotencyKey: 'k-never-sent' })).to.deep.equal({ outcome: 'voided' });
    await gateway.charge({ idempotencyKey: 'k-taken', token: 'tok_ok', amount });
    expect(await gateway.voidCharge({ idempotencyKey: 'k-taken' })).to.deep.equal({ outcome: 'captured' });
    expect((await gatewayOperation(payments, 'k-taken'))!.outcome).to.equal('captured');
  });

  it('when a refund is repeated with the same key, it refunds once', async () => {
    expect(await gateway.refund({ idempotencyKey: 'refund:k-ok', amount })).to.deep.equal({ outcome: 'refunded' });
    expect(await gateway.refund({ idempotencyKey: 'refund:k-ok', amount })).to.deep.equal({ outcome: 'refunded' });
    expect(await gatewayOperation(payments, 'refund:k-ok')).to.include({ kind: 'refund', attempts: 2, outcome: 'refunded' });
  });
});
