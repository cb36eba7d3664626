import { expect } from 'chai';
import { eventually, sleep } from '@order-platform/shared/testing';
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
    await settled(payments, 'stock.reserved');
    await sleep(300);
    expect((await paymentEvents(payments, orderId)).map((e) => e.type)).to.deep.equal(['payments.captured']);
    expect(await payments.api.resources.db('processed_messages').where({ message_id: id })).to.have.length(1);
    expect(await gatewayOperation(payments, payment.id)).to.include({ attempts: 1, outcome: 'captured' });
  });

  it('when another stock.reserved for a captured order arrives, nothing is charged again', async () => {
    const { orderId, payment } = await pendingPayment('tok_ok');
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    await paymentEventsOf(payments, orderId, ['payments.captured']);
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    await settled(payments, 'stock.reserved');
    await sleep(300);
    expect((await paymentEvents(payments, orderId)).map((e) => e.type)).to.deep.equal(['payments.captured']);
    expect(await paymentRow(payments, orderId)).to.include({ status: 'captured', attempts: 1 });
    expect(await gatewayOperation(payments, payment.id)).to.include({ attempts: 1 });
  });

  it('when stock is reserved before the order is seen, the payment is charged only after orders.created arrives', async () => {
    const orderId = newOrderId();
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    await sleep(300); // the first attempts find no payment and are retried
    expect(await paymentRow(payments, orderId)).to.equal(undefined);
    expect(await paymentEvents(payments, orderId)).to.deep.equal([]);
    await publish(payments, 'orders.created', await orderWithCard(payments, orderId, 'tok_ok', 1234));
    const [captured] = await paymentEventsOf(payments, orderId, ['payments.captured']);
    expect(captured!.data['amount']).to.deep.equal({ amount: 1234, currency: 'EUR' });
    expect(await paymentRow(payments, orderId)).to.include({ status: 'captured', attempts: 1 });
  });

  it('counts the attempt when the payment becomes chargeable between counting and locking it', async () => {
    const { orderId } = await pendingPayment('tok_ok');
    const db = payments.api.resources.db;
    // another transaction holds the payment: the count skips it, the handler waits for the lock
    const holder = await db.transaction();
    try {
      await holder('payments').where({ order_id: orderId }).forUpdate();
      await publish(payments, 'stock.reserved', stockReserved(orderId));
      await eventually(async () => {
        const waiting = await db('pg_stat_activity').where({ wait_event_type: 'Lock' }).andWhereLike('query', '%from "payments"%for update%');
        expect(waiting, 'a handler waiting for the payment row').to.have.length(1);
      });
    } finally {
      await holder.commit();
    }
    const [captured] = await paymentEventsOf(payments, orderId, ['payments.captured']);
    expect(captured!.data['paymentId']).to.be.a('string');
    expect(await paymentRow(payments, orderId)).to.include({ status: 'captured', attempts: 1 });
    expect(await gatewayOperation(payments, (await paymentRow(payments, orderId))!.id)).to.include({ attempts: 1 });
  });
});
