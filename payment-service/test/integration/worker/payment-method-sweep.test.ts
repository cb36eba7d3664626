import { expect } from 'chai';
import { eventually } from '@order-platform/shared/testing';
import { newOrderId, orderWithCard, publish } from '../../support/orders.js';
import { insertCard, paymentMethodRow } from '../../support/payment-methods.js';
import { paymentWithStatus, startPaymentService, type PaymentService } from '../../support/payment-service.js';

describe('payment-service worker: unused payment methods expire', () => {
  let payments: PaymentService;

  before(async () => {
    payments = await startPaymentService({ env: { PAYMENT_METHOD_SWEEP_INTERVAL_MS: '200' } });
  });

  after(async () => {
    await payments.close();
  });

  it('erases the card token of every method that expired unused, and leaves fresh and claimed ones alone', async () => {
    const expired = await insertCard(payments, { customerId: 'customer-1', token: 'tok_expired', expiresAt: new Date(Date.now() - 1000) });
    const fresh = await insertCard(payments, { customerId: 'customer-1', token: 'tok_fresh' });
    const order = await orderWithCard(payments, newOrderId());
    await publish(payments, 'orders.created', order);
    await paymentWithStatus(payments, order.orderId, 'pending');
    // claimed, then past its expiry: the pending payment still needs the card
    await payments.api.resources.db('payment_methods').where({ id: order.payment.paymentMethodId }).update({ expires_at: new Date(Date.now() - 1000) });

    await eventually(async () => expect(await paymentMethodRow(payments, expired)).to.include({ status: 'expired', token: null, order_id: null }));
    // a sweep that began after all of the above has run once a card expired since is erased too
    const later = await insertCard(payments, { customerId: 'customer-1', token: 'tok_later', expiresAt: new Date(Date.now() - 1000) });
    await eventually(async () => expect(await paymentMethodRow(payments, later)).to.include({ status: 'expired', token: null }));
    expect(await paymentMethodRow(payments, fresh)).to.include({ status: 'active', token: 'tok_fresh' });
    expect(await paymentMethodRow(payments, order.payment.paymentMethodId)).to.include({ status: 'used', token: 'tok_ok', order_id: order.orderId });
  });
});
