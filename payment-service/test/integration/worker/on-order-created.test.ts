import { expect } from 'chai';
import { sleep } from '@order-platform/shared/testing';
import { newOrderId, orderCreated, publish } from '../../support/orders.js';
import { paymentEvents, paymentRow, paymentWithStatus, settled, startPaymentService, type PaymentService } from '../../support/payment-service.js';

describe('payment-service worker: orders.created', () => {
  let payments: PaymentService;

  before(async () => {
    payments = await startPaymentService();
  });

  after(async () => {
    await payments.close();
  });

  it('opens a pending payment for the order total with the card token, and announces nothing yet', async () => {
    const orderId = newOrderId();
    await publish(payments, 'orders.created', orderCreated(orderId, 'tok_ok', 5198));
    const row = await paymentWithStatus(payments, orderId, 'pending');
    expect(row).to.include({ amount: 5198, currency: 'EUR', token: 'tok_ok', attempts: 0, failure_reason: null });
    await sleep(300);
    expect(await paymentEvents(payments, orderId)).to.deep.equal([]);
  });

  it('when an order is delivered twice, one payment is opened', async () => {
    const orderId = newOrderId();
    const id = await publish(payments, 'orders.created', orderCreated(orderId));
    await publish(payments, 'orders.created', orderCreated(orderId), { id, msgId: `${id}-redelivered` });
    await settled(payments, 'orders.created');
    expect(await payments.api.resources.db('processed_messages').where({ message_id: id })).to.have.length(1);
    expect(await payments.api.resources.db('payments').where({ order_id: orderId })).to.have.length(1);
  });

  it('when the same order arrives again under another event id, the first payment stands', async () => {
    const orderId = newOrderId();
    await publish(payments, 'orders.created', orderCreated(orderId, 'tok_ok', 1000));
    const first = await paymentWithStatus(payments, orderId, 'pending');
    await publish(payments, 'orders.created', orderCreated(orderId, 'tok_declined', 2000));
    await settled(payments, 'orders.created');
    expect(await paymentRow(payments, orderId)).to.deep.include({ id: first.id, amount: 1000, token: 'tok_ok' });
  });
});
