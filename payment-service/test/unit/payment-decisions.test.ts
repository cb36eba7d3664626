import { expect } from 'chai';
import type { OrderCancelled, OrderCreated } from '@order-platform/shared';
import type { ClaimDecision, UsedPaymentMethod } from '../../src/domain/payment-method.js';
import type { AwaitingOrderPayment, CapturedPayment, Payment, PendingPayment } from '../../src/domain/payment.js';
import { decideCancel, decideOpen, decideOrderNeverCame, decideReserved } from '../../src/domain/payment-decisions.js';
import { refundPayment, settleCharge, settleUnavailable, settleVoid } from '../../src/domain/payment-settlements.js';

const t0 = new Date('2026-01-02T03:04:05.000Z');
const now = new Date('2026-01-02T03:05:00.000Z');
const total = { amount: 5198, currency: 'EUR' };
const order: OrderCreated = {
  orderId: 'order-1', customerId: 'c1', items: [{ sku: 'A', quantity: 2, unitPrice: { amount: 2599, currency: 'EUR' } }],
  total, payment: { method: 'card', paymentMethodId: 'pm_1' }, createdAt: t0.toISOString(),
};
const cancel: OrderCancelled = { orderId: 'order-1', customerId: 'c1', reason: 'customer_request', previousStatus: 'pending', items: order.items, total, cancelledAt: now.toISOString() };
const pending: PendingPayment = { id: 'pay-1', orderId: 'order-1', status: 'pending', amount: total, paymentMethodId: 'pm_1', failureReason: null, attempts: 1, createdAt: t0, updatedAt: t0 };
const captured: CapturedPayment = { ...pending, status: 'captured' };
const voided: Payment = { ...pending, status: 'voided', paymentMethodId: null };
const failed: Payment = { ...pending, status: 'failed', failureReason: 'payment_declined' };
const refunded: Payment = { ...pending, status: 'refunded' };
const awaiting: AwaitingOrderPayment = { id: 'pay-1', orderId: 'order-1', status: 'awaiting_order', amount: null, paymentMethodId: null, failureReason: null, attempts: 0, createdAt: t0, updatedAt: t0 };
const method: UsedPaymentMethod = { id: 'pm_1', customerId: 'c1', status: 'used', token: 'tok_ok', orderId: 'order-1', createdAt: t0, expiresAt: now, updatedAt: t0 };
const claimed: ClaimDecision = { kind: 'claim', method };

describe('deciding about a payment', () => {
  it('opens a pending payment for the order total on the payment method claimed for it', () => {
    expect(decideOpen(undefined, claimed, order, t0, 'pay-1')).to.deep.equal({ kind: 'open', payment: { ...pending, attempts: 0 }, method: claimed.method });
  });

  it('fails the payment at once as declined, with the reason as detail, when the order may not use the method', () => {
    const decision = decideOpen(undefined, { kind: 'refuse', detail: 'expired payment method' }, order, t0, 'pay-1');
    expect(decision).to.deep.equal({
      kind: 'decline',
      payment: { ...pending, status: 'failed', failureReason: 'payment_declined', attempts: 0 },
      event: { type: 'payments.failed', data: { orderId: 'order-1', paymentId: 'pay-1', reason: 'payment_declined', detail: 'expired payment method', failedAt: t0.toISOString() } },
    });
  });

  it('opens nothing when the order has a payment already; a settled one gets the claimed method erased', () => {
    for (const existing of [pending, captured, voided, failed, refunded]) {
      const decision = decideOpen(existing, claimed, order, t0, 'pay-2');
      expect(decision.kind, existing.status).to.equal('leave');
      expect(decision.kind === 'leave' && decision.retire, existing.status).to.deep.equal(existing.status === 'pending' ? undefined : { ...claimed.method, status: 'erased', token: null, updatedAt: t0 });
    }
    expect(decideOpen(voided, { kind: 'refuse', detail: 'unknown or foreign payment method' }, order, t0, 'pay-2')).to.deep.equal({ kind: 'leave', payment: voided });
  });

  it('when stock is reserved first, orders.created claims the method and charges the payment awaiting it, under its id', () => {
    expect(decideOpen(awaiting, claimed, order, now, 'pay-2')).to.deep.equal({
      kind: 'charge',
      payment: { ...pending, attempts: 0, updatedAt: now },
      method: claimed.method,
    });
  });

  it('when stock is reserved first and the order may not use the method, the awaiting payment is declined and nothing charged', () => {
    const decision = decideOpen(awaiting, { kind: 'refuse', detail: 'unknown or foreign payment method' }, order, now, 'pay-2');
    expect(decision.kind).to.equal('decline');
    expect(decision.payment).to.deep.equal({ ...pending, attempts: 0, status: 'failed', failureReason: 'payment_declined', updatedAt: now });
  });

  it('stock.reserved charges a pending payment, records one awaiting its order when there is none, and leaves the rest', () => {
    expect(decideReserved(undefined, 'order-1', now, 'pay-2')).to.deep.equal({
      kind: 'await_order',
      payment: { id: 'pay-2', orderId: 'order-1', status: 'awaiting_order', amount: null, paymentMethodId: null, failureReason: null, attempts: 0, createdAt: now, updatedAt: now },
    });
    expect(decideReserved(pending, 'order-1', now, 'pay-2')).to.deep.equal({ kind: 'charge', payment: pending });
    for (const other of [awaiting, captured, voided, failed, refunded]) expect(decideReserved(other, 'order-1', now, 'pay-2').kind, other.status).to.equal('leave');
  });

  it('when the gateway captures, the payment is captured, with the delivery count as its attempts, and payments.captured carries the amount', () => {
    expect(settleCharge(pending, { outcome: 'captured' }, 3, now)).to.deep.equal({
      payment: { ...pending, status: 'captured', attempts: 3, updatedAt: now },
      event: { type: 'payments.captured', data: { orderId: 'order-1', paymentId: 'pay-1', amount: total, capturedAt: now.toISOString() } },
    });
  });

  it('when the gateway declines, the payment fails with payment_declined and the detail', () => {
    const { payment, event } = settleCharge(pending, { outcome: 'declined', detail: 'card declined by the issuer' }, 1, now);
    expect(payment).to.include({ status: 'failed', failureReason: 'payment_declined', attempts: 1 });
    expect(event).to.deep.equal({
      type: 'payments.failed',
      data: { orderId: 'order-1', paymentId: 'pay-1', reason: 'payment_declined', detail: 'card declined by the issuer', failedAt: now.toISOString() },
    });
  });

  it('when the retries run out, a pending payment whose charge could be voided fails as unavailable; one taken after all is captured', () => {
    const voidedCharge = settleUnavailable(pending, { outcome: 'voided' }, 'card gateway unavailable', 6, now);
    expect(voidedCharge.payment).to.include({ status: 'failed', failureReason: 'payment_unavailable', attempts: 6 });
    expect(voidedCharge.event.data).to.deep.include({ reason: 'payment_unavailable', detail: 'card gateway unavailable' });
    const taken = settleUnavailable(pending, { outcome: 'captured' }, 'card gateway unavailable', 6, now);
    expect(taken.payment).to.include({ status: 'captured', attempts: 6 });
    expect(taken.event.type).to.equal('payments.captured');
  });

  it('when orders.created never comes, the awaiting payment fails as unavailable, unless the gateway says its charge was taken', () => {
    const decision = decideOrderNeverCame(awaiting, { outcome: 'voided' }, 300_000, now);
    expect(decision.kind).to.equal('fail');
    if (decision.kind !== 'fail') return;
    expect(decision.payment).to.include({ status: 'failed', failureReason: 'payment_unavailable', amount: null, paymentMethodId: null });
    expect(decision.event.data).to.deep.include({ paymentId: 'pay-1', reason: 'payment_unavailable', detail: 'orders.created not received within 300000 ms of stock.reserved' });
    expect(decideOrderNeverCame(awaiting, { outcome: 'captured' }, 300_000, now)).to.deep.equal({ kind: 'leave' });
  });

  it('a cancel voids a pending payment, refunds a captured one and leaves the rest', () => {
    expect(decideCancel(pending, cancel, now, 'pay-2')).to.deep.equal({ kind: 'void', payment: pending });
    expect(decideCancel(awaiting, cancel, now, 'pay-2')).to.deep.equal({ kind: 'void', payment: awaiting });
    expect(decideCancel(captured, cancel, now, 'pay-2')).to.deep.equal({ kind: 'refund', payment: captured });
    for (const other of [voided, failed, refunded]) expect(decideCancel(other, cancel, now, 'pay-2').kind, other.status).to.equal('leave');
  });

  it('a voided charge voids the payment, for the total of the cancel when the order was not seen; one taken after all is captured', () => {
    expect(settleVoid(pending, { outcome: 'voided' }, total, now)).to.deep.equal({ kind: 'voided', payment: { ...pending, status: 'voided', updatedAt: now } });
    expect(settleVoid(awaiting, { outcome: 'voided' }, total, now)).to.deep.equal({ kind: 'voided', payment: { ...awaiting, status: 'voided', amount: total, updatedAt: now } });
    const taken = settleVoid(awaiting, { outcome: 'captured' }, total, now);
    expect(taken.kind === 'taken' && taken.captured.payment).to.deep.equal({ ...awaiting, status: 'captured', amount: total, updatedAt: now });
  });

  it('a cancel before the order leaves a voided payment for the total and no payment method', () => {
    expect(decideCancel(undefined, cancel, now, 'pay-2')).to.deep.equal({
      kind: 'tombstone',
      payment: { id: 'pay-2', orderId: 'order-1', status: 'voided', amount: total, paymentMethodId: null, failureReason: null, attempts: 0, createdAt: now, updatedAt: now },
    });
  });

  it('a refund announces payments.refunded with the captured amount, to the customer who cancelled', () => {
    expect(refundPayment(captured, 'customer-7', now)).to.deep.equal({
      payment: { ...captured, status: 'refunded', updatedAt: now },
      event: { type: 'payments.refunded', data: { orderId: 'order-1', customerId: 'customer-7', paymentId: 'pay-1', amount: total, refundedAt: now.toISOString() } },
    });
  });
});
