import { expect } from 'chai';
import { SimulatedGateway } from '../../../src/data/simulated-gateway.js';
import { newOrderId, orderCancelled, orderCreated, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { insertCard, paymentMethodRow } from '../../support/payment-methods.js';
import { gatewayOperation, paymentEvents, paymentEventsOf, paymentRow, paymentWithStatus, settled, startPaymentService, type PaymentService } from '../../support/payment-service.js';

describe('payment-service worker: orders.cancelled', () => {
  let payments: PaymentService;

  before(async () => {
    payments = await startPaymentService();
  });

  after(async () => {
    await payments.close();
  });

  async function eventTypes(orderId: string) {
    return (await paymentEvents(payments, orderId)).map((e) => e.type);
  }

  async function capturedOrder() {
    const created = await orderWithCard(payments, newOrderId(), 'tok_ok', 5198);
    await publish(payments, 'orders.created', created);
    await publish(payments, 'stock.reserved', stockReserved(created.orderId));
    await paymentEventsOf(payments, created.orderId, ['payments.captured']);
    return created;
  }

  it('when the cancel comes before the order, the payment is voided, a late order and reservation charge nothing, and the card is erased', async () => {
    const created = await orderWithCard(payments, newOrderId());
    await publish(payments, 'orders.cancelled', orderCancelled(created));
    const voided = await paymentWithStatus(payments, created.orderId, 'voided');
    expect(voided).to.include({ amount: 5198, currency: 'EUR', payment_method_id: null });
    await publish(payments, 'orders.created', created);
    await publish(payments, 'stock.reserved', stockReserved(created.orderId));
    await settled(payments);
    expect(await paymentRow(payments, created.orderId)).to.deep.equal(voided);
    expect(await eventTypes(created.orderId)).to.deep.equal([]);
    expect(await gatewayOperation(payments, voided.id)).to.equal(undefined);
    expect(await paymentMethodRow(payments, created.payment.paymentMethodId)).to.include({ status: 'erased', token: null, order_id: created.orderId });
  });

  it('when a pending payment is cancelled, it is voided, its card token erased, and a later reservation charges nothing', async () => {
    const created = await orderWithCard(payments, newOrderId());
    await publish(payments, 'orders.created', created);
    const pending = await paymentWithStatus(payments, created.orderId, 'pending');
    await publish(payments, 'orders.cancelled', orderCancelled(created));
    await paymentWithStatus(payments, created.orderId, 'voided');
    await publish(payments, 'stock.reserved', stockReserved(created.orderId));
    await settled(payments);
    expect(await paymentRow(payments, created.orderId)).to.include({ status: 'voided', attempts: 0 });
    expect(await eventTypes(created.orderId)).to.deep.equal([]);
    expect(await gatewayOperation(payments, pending.id)).to.include({ outcome: 'voided', attempts: 0 });
    expect(await paymentMethodRow(payments, created.payment.paymentMethodId)).to.include({ status: 'erased', token: null });
  });

  it('when stock was reserved but the order not seen yet, a cancel voids the payment for its total, and the late order charges nothing', async () => {
    const created = await orderWithCard(payments, newOrderId());
    await publish(payments, 'stock.reserved', stockReserved(created.orderId));
    const awaiting = await paymentWithStatus(payments, created.orderId, 'awaiting_order');
    await publish(payments, 'orders.cancelled', orderCancelled(created, 'stock_reserved'));
    const voided = await paymentWithStatus(payments, created.orderId, 'voided');
    expect(voided).to.include({ id: awaiting.id, amount: 5198, currency: 'EUR', payment_method_id: null });
    await publish(payments, 'orders.created', created);
    await settled(payments);
    expect(await paymentRow(payments, created.orderId)).to.deep.equal(voided);
    expect(await eventTypes(created.orderId)).to.deep.equal([]);
    expect(await gatewayOperation(payments, awaiting.id)).to.include({ outcome: 'voided', attempts: 0 });
    expect(await paymentMethodRow(payments, created.payment.paymentMethodId)).to.include({ status: 'erased', token: null });
  });

  it('when a captured order is cancelled, the payment is refunded once and payments.refunded announced', async () => {
    const created = await capturedOrder();
    const payment = (await paymentRow(payments, created.orderId))!;
    await publish(payments, 'orders.cancelled', orderCancelled(created, 'confirmed'));
    const [, refunded] = await paymentEventsOf(payments, created.orderId, ['payments.captured', 'payments.refunded']);
    expect(refunded!.data).to.deep.include({ orderId: created.orderId, customerId: created.customerId, paymentId: payment.id, amount: { amount: 5198, currency: 'EUR' } });
    expect(await paymentRow(payments, created.orderId)).to.include({ status: 'refunded' });
    expect(await gatewayOperation(payments, `refund:${payment.id}`)).to.include({ kind: 'refund', amount: 5198, attempts: 1, outcome: 'refunded' });
  });

  it('when a cancel is delivered twice, the payment is refunded once', async () => {
    const created = await capturedOrder();
    const payment = (await paymentRow(payments, created.orderId))!;
    const id = await publish(payments, 'orders.cancelled', orderCancelled(created, 'confirmed'));
    await publish(payments, 'orders.cancelled', orderCancelled(created, 'confirmed'), { id, msgId: `${id}-redelivered` });
    await paymentEventsOf(payments, created.orderId, ['payments.captured', 'payments.refunded']);
    await settled(payments);
    // a second cancel under another event id finds the payment refunded and does nothing
    await publish(payments, 'orders.cancelled', orderCancelled(created, 'confirmed'));
    await settled(payments);
    expect(await eventTypes(created.orderId)).to.deep.equal(['payments.captured', 'payments.refunded']);
    expect(await payments.api.resources.db('processed_messages').where({ message_id: id })).to.have.length(1);
    expect(await gatewayOperation(payments, `refund:${payment.id}`)).to.include({ attempts: 1 });
  });

  it('when a failed payment is cancelled, nothing is refunded', async () => {
    const created = await orderWithCard(payments, newOrderId(), 'tok_declined');
    await publish(payments, 'orders.created', created);
    await publish(payments, 'stock.reserved', stockReserved(created.orderId));
    await paymentEventsOf(payments, created.orderId, ['payments.failed']);
    await publish(payments, 'orders.cancelled', { ...orderCancelled(created), reason: 'payment_declined' });
    await settled(payments);
    expect(await paymentRow(payments, created.orderId)).to.include({ status: 'failed' });
    expect(await eventTypes(created.orderId)).to.deep.equal(['payments.failed']);
  });

  it('when the gateway took a charge whose commit was lost to a crash, a cancel records the capture and refunds it', async () => {
    await payments.stopWorker();
    try {
      const paymentMethodId = await insertCard(payments, { customerId: 'customer-1' });
      const created = orderCreated(newOrderId(), paymentMethodId, 5198);
      const paymentId = crypto.randomUUID();
      const now = new Date();
      const db = payments.api.resources.db;
      await db('payment_methods').where({ id: paymentMethodId }).update({ status: 'used', order_id: created.orderId });
      await db('payments').insert({ id: paymentId, order_id: created.orderId, amount: 5198, currency: 'EUR', payment_method_id: paymentMethodId, status: 'pending', attempts: 1, created_at: now, updated_at: now });
      // what a worker did before dying: the charge went through, its transaction never committed
      await new SimulatedGateway(payments.api.resources.db).charge({ idempotencyKey: paymentId, token: 'tok_ok', amount: created.total });
      await publish(payments, 'orders.cancelled', orderCancelled(created, 'stock_reserved'));
      await payments.startWorker();
      await paymentEventsOf(payments, created.orderId, ['payments.captured', 'payments.refunded']);
      expect(await paymentRow(payments, created.orderId)).to.include({ status: 'refunded' });
      expect(await gatewayOperation(payments, `refund:${paymentId}`)).to.include({ outcome: 'refunded' });
      expect(await paymentMethodRow(payments, paymentMethodId)).to.include({ status: 'erased', token: null });
    } finally {
      if (!payments.worker) await payments.startWorker();
    }
  });
});
