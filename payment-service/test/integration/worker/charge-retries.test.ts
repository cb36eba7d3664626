import { expect } from 'chai';
import { eventually, readStream, sleep } from '@order-platform/shared/testing';
import { newOrderId, orderCreated, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { paymentMethodRow } from '../../support/payment-methods.js';
import { gatewayOperation, paymentEvents, paymentEventsOf, paymentRow, paymentWithStatus, startPaymentService, type PaymentService } from '../../support/payment-service.js';
import { consumers } from '../../../src/worker/subscriptions.js';

const maxAttempts = consumers.find((c) => c.event === 'stock.reserved')!.maxAttempts;

describe('payment-service worker: retrying a charge', () => {
  let payments: PaymentService;

  before(async () => {
    payments = await startPaymentService();
  });

  after(async () => {
    await payments.close();
  });

  async function deadLetters(orderId: string) {
    const subject = payments.topology.dlqSubject('payment-service', 'payment-service-stock-reserved');
    return (await readStream(payments.api.resources.nc, payments.topology.stream('DLQ'), subject)).filter((m) => m.headers['ce-subject'] === orderId);
  }

  it('when the gateway fails transiently twice (tok_flaky), the payment is captured on the third attempt', async () => {
    const orderId = newOrderId();
    await publish(payments, 'orders.created', await orderWithCard(payments, orderId, 'tok_flaky'));
    const payment = await paymentWithStatus(payments, orderId, 'pending');
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    await paymentEventsOf(payments, orderId, ['payments.captured']);
    expect(await paymentRow(payments, orderId)).to.include({ status: 'captured', attempts: 3 });
    expect(await gatewayOperation(payments, payment.id)).to.include({ attempts: 3, outcome: 'captured' });
    expect(await deadLetters(orderId)).to.deep.equal([]);
  });

  it('when the gateway stays unavailable, the message is dead-lettered and the payment fails as payment_unavailable', async () => {
    const orderId = newOrderId();
    const order = await orderWithCard(payments, orderId, 'tok_unavailable');
    await publish(payments, 'orders.created', order);
    const payment = await paymentWithStatus(payments, orderId, 'pending');
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    const [failed] = await paymentEventsOf(payments, orderId, ['payments.failed'], 20_000);
    expect(failed!.data).to.deep.include({ orderId, paymentId: payment.id, reason: 'payment_unavailable', detail: 'card gateway unavailable' });
    expect(await paymentRow(payments, orderId)).to.include({ status: 'failed', failure_reason: 'payment_unavailable', attempts: maxAttempts });
    const [dead] = await eventually(async () => {
      const found = await deadLetters(orderId);
      expect(found).to.have.length(1);
      return found;
    });
    expect(dead!.headers).to.include({ 'dlq-delivery-count': String(maxAttempts), 'dlq-error-kind': 'transient' });
    expect(dead!.headers['dlq-error']).to.match(/^card gateway unavailable/);
    // the charge was voided at the gateway: nothing can be taken under its key any more
    expect(await gatewayOperation(payments, payment.id)).to.include({ attempts: maxAttempts, outcome: 'voided' });
    expect(await paymentMethodRow(payments, order.payment.paymentMethodId)).to.include({ status: 'erased', token: null });
    // the dead letter is a copy of stock.reserved, which never held a card
    expect(JSON.stringify(dead)).not.to.include('tok_');
  });

  it('when orders.created never comes, the payment is recorded as failed and a late order charges nothing', async () => {
    const orderId = newOrderId();
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    const [failed] = await paymentEventsOf(payments, orderId, ['payments.failed'], 20_000);
    expect(failed!.data).to.deep.include({ orderId, reason: 'payment_unavailable', detail: 'orders.created not seen yet' });
    const row = await paymentWithStatus(payments, orderId, 'failed');
    expect(row).to.include({ id: failed!.data['paymentId'], amount: null, currency: null });
    await publish(payments, 'orders.created', orderCreated(orderId));
    await sleep(500);
    expect(await paymentRow(payments, orderId)).to.deep.equal(row);
    expect((await paymentEvents(payments, orderId)).map((e) => e.type)).to.deep.equal(['payments.failed']);
  });
});
