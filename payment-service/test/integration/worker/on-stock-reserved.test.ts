import { expect } from 'chai';
import { newOrderId, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { paymentMethodRow } from '../../support/payment-methods.js';
import { gatewayOperation, paymentEvents, paymentEventsOf, paymentRow, paymentWithStatus, settled, startPaymentService, type PaymentService } from '../../support/payment-service.js';

describe('payment-service worker: stock.reserved', () => {
  let payments: PaymentService;

  before(async () => {
    payments = await startPaymentService();
  });

  after(async () => {
    await payments.close();
  });

  async function pendingPayment(token: string) {
    const orderId = newOrderId();
    const order = await orderWithCard(payments, orderId, token, 5198);
    await publish(payments, 'orders.created', order);
    return { orderId, paymentMethodId: order.payment.paymentMethodId, payment: await paymentWithStatus(payments, orderId, 'pending') };
  }

  it('when stock is reserved for a tok_ok card, the payment is captured once, payments.captured announced and the card token erased', async () => {
    const { orderId, payment, paymentMethodId } = await pendingPayment('tok_ok');
    expect(await paymentMethodRow(payments, paymentMethodId)).to.include({ status: 'used', token: 'tok_ok', order_id: orderId });
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    const [captured] = await paymentEventsOf(payments, orderId, ['payments.captured']);
    expect(captured!.data).to.deep.include({ orderId, paymentId: payment.id, amount: { amount: 5198, currency: 'EUR' } });
    expect(captured!.data['capturedAt']).to.be.a('string');
    expect(await paymentRow(payments, orderId)).to.include({ status: 'captured', attempts: 1, failure_reason: null });
    expect(await gatewayOperation(payments, payment.id)).to.include({ kind: 'charge', amount: 5198, attempts: 1, outcome: 'captured' });
    expect(await paymentMethodRow(payments, paymentMethodId)).to.include({ status: 'erased', token: null, order_id: orderId });
  });

  it('when the card is declined, the payment fails, payments.failed says payment_declined and the card token is erased', async () => {
    const { orderId, payment, paymentMethodId } = await pendingPayment('tok_declined');
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    const [failed] = await paymentEventsOf(payments, orderId, ['payments.failed']);
    expect(failed!.data).to.deep.include({ orderId, paymentId: payment.id, reason: 'payment_declined', detail: 'card declined by the issuer' });
    expect(await paymentRow(payments, orderId)).to.include({ status: 'failed', failure_reason: 'payment_declined', attempts: 1 });
    expect(await paymentMethodRow(payments, paymentMethodId)).to.include({ status: 'erased', token: null });
  });

  it('when an unknown token is charged, the payment fails as declined', async () => {
    const { orderId } = await pendingPayment('tok_nonsense');
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    const [failed] = await paymentEventsOf(payments, orderId, ['payments.failed']);
    expect(failed!.data).to.deep.include({ reason: 'payment_declined', detail: 'unknown card token' });
  });

  it('when stock is reserved twice, the payment is captured once and the gateway charged once', async () => {
    const { orderId, payment } = await pendingPayment('tok_ok');
    const id = await publish(payments, 'stock.reserved', stockReserved(orderId));
    await publish(payments, 'stock.reserved', stockReserved(orderId), { id, msgId: `${id}-redelivered` });
    await paymentEventsOf(payments, orderId, ['payments.captured']);
    await settled(payments);
    expect((await paymentEvents(payments, orderId)).map((e) => e.type)).to.deep.equal(['payments.captured']);
    expect(await payments.api.resources.db('processed_messages').where({ message_id: id })).to.have.length(1);
    expect(await gatewayOperation(payments, payment.id)).to.include({ attempts: 1, outcome: 'captured' });
  });

  it('when another stock.reserved for a captured order arrives, nothing is charged again', async () => {
    const { orderId, payment } = await pendingPayment('tok_ok');
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    await paymentEventsOf(payments, orderId, ['payments.captured']);
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    await settled(payments);
    expect((await paymentEvents(payments, orderId)).map((e) => e.type)).to.deep.equal(['payments.captured']);
    expect(await paymentRow(payments, orderId)).to.include({ status: 'captured', attempts: 1 });
    expect(await gatewayOperation(payments, payment.id)).to.include({ attempts: 1 });
  });
});
