import { expect } from 'chai';
import { newOrderId, orderCreated, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { paymentMethodRow } from '../../support/payment-methods.js';
import { gatewayOperation, paymentEvents, paymentEventsOf, paymentWithStatus, retriedCharges, settled, startPaymentService, type PaymentService } from '../../support/payment-service.js';

/**
 * stock.reserved and orders.created handled a batch at a time: the batch records or locks every
 * one of its orders' payments (and, for orders.created, the payment methods they name) with one
 * statement before its handlers run (their prefetch), and each handler must end where it would
 * alone, in delivery order, the ones after it in the batch seeing what it did.
 */
describe('payment-service worker: a batch of stock.reserved or orders.created', function () {
  this.timeout(60_000);
  let payments: PaymentService;

  before(async () => {
    // a batch lingers until it is full or a second has passed: the messages waiting in the stream
    // may reach the worker in more than one read, and each is to be one batch
    payments = await startPaymentService({ env: { CONSUMER_FLUSH_WAIT_MS: '1000' } });
  });

  after(async () => {
    await payments?.close();
  });

  it('charges the orders it knows once, records the others awaiting their order, and charges an order reserved twice once', async () => {
    const known = await Promise.all(Array.from({ length: 4 }, () => orderWithCard(payments, newOrderId())));
    for (const order of known) await publish(payments, 'orders.created', order);
    for (const order of known) await paymentWithStatus(payments, order.orderId, 'pending');
    const unknown = await Promise.all(Array.from({ length: 3 }, () => orderWithCard(payments, newOrderId())));
    const twice = known[3]!;
    await settled(payments);

    // all of them wait in the stream, so the worker takes them in one pull
    await payments.stopWorker();
    for (const order of [...known, ...unknown]) await publish(payments, 'stock.reserved', stockReserved(order.orderId));
    // the same reservation announced again under another id: a second stock.reserved of one order in the batch
    await publish(payments, 'stock.reserved', stockReserved(twice.orderId));
    const worker = await payments.startWorker();

    for (const order of known) {
      const payment = await paymentWithStatus(payments, order.orderId, 'captured');
      expect(payment.attempts, order.orderId).to.equal(1);
      expect(await gatewayOperation(payments, payment.id)).to.include({ kind: 'charge', attempts: 1, outcome: 'captured' });
    }
    for (const order of unknown) await paymentWithStatus(payments, order.orderId, 'awaiting_order');
    await settled(payments);
    // one capture announced per order, the one reserved twice included
    for (const order of known) expect(await paymentEventsOf(payments, order.orderId, ['payments.captured']), order.orderId).to.have.length(1);
    // in one transaction: the batch, not one message after another
    const handled = await payments.api.resources
      .db('processed_messages')
      .whereIn('entity_id', [...known, ...unknown].map((o) => o.orderId))
      .andWhere('subject', 'like', '%stock.reserved')
      .select('processed_at', 'subject', 'entity_id');
    expect(handled, JSON.stringify(handled)).to.have.length(8);
    expect(new Set(handled.map((row: { processed_at: Date }) => row.processed_at.getTime())).size, JSON.stringify(handled)).to.equal(1);
    expect(await retriedCharges(worker)).to.equal(0);

    // the orders come: each is charged then, once
    for (const order of unknown) await publish(payments, 'orders.created', order);
    for (const order of unknown) expect((await paymentWithStatus(payments, order.orderId, 'captured')).attempts).to.equal(1);
  });

  it('opens, charges and declines orders.created in one batch as one at a time would: an order seen twice opens once, a card named twice is claimed once', async () => {
    const fresh = await Promise.all(Array.from({ length: 3 }, () => orderWithCard(payments, newOrderId())));
    const reservedFirst = await orderWithCard(payments, newOrderId());
    await publish(payments, 'stock.reserved', stockReserved(reservedFirst.orderId));
    await paymentWithStatus(payments, reservedFirst.orderId, 'awaiting_order');
    // a second order naming the first fresh order's card, and an order naming a card nobody registered
    const sameCard = orderCreated(newOrderId(), fresh[0]!.payment.paymentMethodId);
    const unknownCard = orderCreated(newOrderId());
    await settled(payments);

    await payments.stopWorker();
    for (const order of [...fresh, reservedFirst, sameCard, unknownCard]) await publish(payments, 'orders.created', order);
    // the first order again under another id: seen twice in the batch
    await publish(payments, 'orders.created', fresh[0]!);
    const worker = await payments.startWorker();

    for (const order of fresh) expect(await paymentWithStatus(payments, order.orderId, 'pending')).to.include({ attempts: 0, payment_method_id: order.payment.paymentMethodId });
    expect(await paymentWithStatus(payments, reservedFirst.orderId, 'captured')).to.include({ attempts: 1 });
    await paymentWithStatus(payments, sameCard.orderId, 'failed');
    await paymentWithStatus(payments, unknownCard.orderId, 'failed');
    await settled(payments);
    // the card named twice belongs to the order delivered first, still holding its token
    expect(await paymentMethodRow(payments, fresh[0]!.payment.paymentMethodId)).to.include({ status: 'used', order_id: fresh[0]!.orderId, token: 'tok_ok' });
    expect(await paymentMethodRow(payments, reservedFirst.payment.paymentMethodId)).to.include({ status: 'erased', token: null });
    for (const order of fresh) expect(await paymentEvents(payments, order.orderId), order.orderId).to.deep.equal([]);
    expect((await paymentEvents(payments, reservedFirst.orderId)).map((e) => e.type)).to.deep.equal(['payments.captured']);
    for (const order of [sameCard, unknownCard]) {
      expect((await paymentEventsOf(payments, order.orderId, ['payments.failed']))[0]!.data, order.orderId).to.include({ reason: 'payment_declined' });
    }
    const handled = await payments.api.resources
      .db('processed_messages')
      .whereIn('entity_id', [...fresh, reservedFirst, sameCard, unknownCard].map((o) => o.orderId))
      .andWhere('subject', 'like', '%orders.created')
      .select('processed_at');
    expect(handled).to.have.length(7);
    expect(new Set(handled.map((row: { processed_at: Date }) => row.processed_at.getTime())).size).to.equal(1);
    expect(await retriedCharges(worker)).to.equal(0);
  });
});
