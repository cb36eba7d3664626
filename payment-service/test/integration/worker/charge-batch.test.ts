import { expect } from 'chai';
import { newOrderId, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { gatewayOperation, paymentEventsOf, paymentRow, paymentWithStatus, retriedCharges, settled, startPaymentService, type PaymentService } from '../../support/payment-service.js';

/**
 * stock.reserved handled a batch at a time: the batch records or locks every one of its orders'
 * payments with one statement before its handlers run (their prefetch), and each handler must
 * end where it would alone, in delivery order, the ones after it in the batch seeing what it did.
 */
describe('payment-service worker: a batch of stock.reserved', function () {
  this.timeout(60_000);
  let payments: PaymentService;

  before(async () => {
    payments = await startPaymentService();
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
});
