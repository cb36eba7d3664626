import { expect } from 'chai';
import { decideClaim, eraseToken, newPaymentMethod, paymentMethodView, type PaymentMethod } from '../../src/domain/payment-method.js';

const t0 = new Date('2026-01-02T03:00:00.000Z');
const now = new Date('2026-01-02T03:30:00.000Z');
const active = newPaymentMethod('cust-ada', 'tok_ok', t0, '0b7e1a52-5c2e-4c7e-9f3a-2d1b0c9e8f7a', 3600_000);
const order = { orderId: 'order-1', customerId: 'cust-ada' };

describe('deciding about a payment method', () => {
  it('registers an active method with a pm_ id that expires after the TTL, and its view never holds the token', () => {
    expect(active).to.deep.include({ id: 'pm_0b7e1a52-5c2e-4c7e-9f3a-2d1b0c9e8f7a', customerId: 'cust-ada', status: 'active', token: 'tok_ok', orderId: null });
    expect(active.expiresAt.toISOString()).to.equal('2026-01-02T04:00:00.000Z');
    expect(paymentMethodView(active)).to.deep.equal({
      id: active.id, type: 'card', customerId: 'cust-ada', status: 'active', createdAt: '2026-01-02T03:00:00.000Z', expiresAt: '2026-01-02T04:00:00.000Z',
    });
  });

  it("claims the customer's own unused, unexpired method for the order", () => {
    expect(decideClaim(active, order, now)).to.deep.equal({ kind: 'claim', method: { ...active, status: 'used', orderId: 'order-1', updatedAt: now } });
  });

  it('refuses an unknown method and another customer\'s alike, so ids cannot be probed', () => {
    expect(decideClaim(undefined, order, now)).to.deep.equal({ kind: 'refuse', detail: 'unknown or foreign payment method' });
    expect(decideClaim(active, { ...order, customerId: 'cust-grace' }, now)).to.deep.equal({ kind: 'refuse', detail: 'unknown or foreign payment method' });
  });

  it('refuses a method past its expiry, swept or not', () => {
    expect(decideClaim(active, order, active.expiresAt)).to.deep.equal({ kind: 'refuse', detail: 'expired payment method' });
    const swept: PaymentMethod = { ...active, status: 'expired', token: null, orderId: null };
    expect(decideClaim(swept, order, now)).to.deep.equal({ kind: 'refuse', detail: 'expired payment method' });
  });

  it('refuses a method another order used, settled or not', () => {
    const claim = decideClaim(active, order, now);
    if (claim.kind !== 'claim') throw new Error('expected a claim');
    for (const used of [claim.method, eraseToken(claim.method, now)]) {
      expect(decideClaim(used, { ...order, orderId: 'order-2' }, now), used.status).to.deep.equal({ kind: 'refuse', detail: 'payment method already used by another order' });
    }
  });

  it('erasing keeps the order and drops the token', () => {
    const claim = decideClaim(active, order, now);
    if (claim.kind !== 'claim') throw new Error('expected a claim');
    expect(eraseToken(claim.method, now)).to.deep.include({ status: 'erased', token: null, orderId: 'order-1' });
  });
});
