import { expect } from 'chai';
import { newOrderId, orderCreated, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { insertCard, paymentMethodRow, registerCard } from '../../support/payment-methods.js';
import { gatewayOperation, paymentEvents, paymentEventsOf, paymentRow, paymentWithStatus, settled, startPaymentService, type PaymentService } from '../../support/payment-service.js';

describe('payment-service worker: orders.created', () => {
  let payments: PaymentService;

  before(async () => {
    payments = await startPaymentService();
  });

  after(async () => {
    await payments.close();
  });

  it('opens a pending payment for the order total on its payment method, claims the method for the order, and announces nothing yet', async () => {
    const order = await orderWithCard(payments, newOrderId(), 'tok_ok', 5198);
    await publish(payments, 'orders.created', order);
    const row = await paymentWithStatus(payments, order.orderId, 'pending');
    expect(row).to.include({ amount: 5198, currency: 'EUR', payment_method_id: order.payment.paymentMethodId, attempts: 0, failure_reason: null });
    expect(await paymentMethodRow(payments, order.payment.paymentMethodId)).to.include({ status: 'used', order_id: order.orderId, token: 'tok_ok' });
    await settled(payments);
    expect(await paymentEvents(payments, order.orderId)).to.deep.equal([]);
  });

  it('when an order is delivered twice, one payment is opened', async () => {
    const order = await orderWithCard(payments, newOrderId());
    const id = await publish(payments, 'orders.created', order);
    await publish(payments, 'orders.created', order, { id, msgId: `${id}-redelivered` });
    await settled(payments);
    expect(await payments.api.resources.db('processed_messages').where({ message_id: id })).to.have.length(1);
    expect(await payments.api.resources.db('payments').where({ order_id: order.orderId })).to.have.length(1);
  });

  it('when the same order arrives again under another event id, the first payment stands', async () => {
    const first = await orderWithCard(payments, newOrderId(), 'tok_ok', 1000);
    await publish(payments, 'orders.created', first);
    const opened = await paymentWithStatus(payments, first.orderId, 'pending');
    await publish(payments, 'orders.created', await orderWithCard(payments, first.orderId, 'tok_declined', 2000));
    await settled(payments);
    expect(await paymentRow(payments, first.orderId)).to.deep.include({ id: opened.id, amount: 1000, payment_method_id: first.payment.paymentMethodId });
  });

  /** Publishes the order and its reservation; the payment must fail at once, declined, with nothing charged. */
  async function expectDeclined(order: ReturnType<typeof orderCreated>, detail: string) {
    await publish(payments, 'orders.created', order);
    const [failed] = await paymentEventsOf(payments, order.orderId, ['payments.failed']);
    expect(failed!.data).to.deep.include({ orderId: order.orderId, reason: 'payment_declined', detail });
    expect(await paymentRow(payments, order.orderId)).to.include({ status: 'failed', failure_reason: 'payment_declined', attempts: 0, amount: order.total.amount });
    await publish(payments, 'stock.reserved', stockReserved(order.orderId));
    await settled(payments);
    expect((await paymentEvents(payments, order.orderId)).map((e) => e.type)).to.deep.equal(['payments.failed']);
    expect(await gatewayOperation(payments, failed!.data['paymentId'] as string), 'nothing sent to the gateway').to.equal(undefined);
  }

  it("when the order names another customer's payment method, the payment is declined at once, nothing is charged and that method stays untouched", async () => {
    const graces = await registerCard(payments, 'cust-grace', 'tok_ok');
    await expectDeclined(orderCreated(newOrderId(), graces), 'unknown or foreign payment method');
    expect(await paymentMethodRow(payments, graces)).to.include({ status: 'active', token: 'tok_ok', order_id: null });
  });

  it('when the order names a payment method nobody registered, the payment is declined at once', async () => {
    await expectDeclined(orderCreated(newOrderId()), 'unknown or foreign payment method');
  });

  it('when the payment method has expired, the payment is declined at once and nothing is charged', async () => {
    const expired = await insertCard(payments, { customerId: 'customer-1', expiresAt: new Date(Date.now() - 1000) });
    await expectDeclined(orderCreated(newOrderId(), expired), 'expired payment method');
    expect(await paymentMethodRow(payments, expired)).to.include({ status: 'active', order_id: null });
  });

  it('when two orders name the same payment method, the first claims it and the second is declined', async () => {
    const first = await orderWithCard(payments, newOrderId());
    await publish(payments, 'orders.created', first);
    await paymentWithStatus(payments, first.orderId, 'pending');
    await expectDeclined(orderCreated(newOrderId(), first.payment.paymentMethodId), 'payment method already used by another order');
    expect(await paymentMethodRow(payments, first.payment.paymentMethodId)).to.include({ status: 'used', order_id: first.orderId });
  });
});
