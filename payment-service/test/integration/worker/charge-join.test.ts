import { expect } from 'chai';
import { eventually } from '@order-platform/shared/testing';
import { loadWorkerConfig } from '../../../src/config.js';
import { startWorker, type RunningWorkerProcess } from '../../../src/worker/worker.js';
import { newOrderId, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { paymentMethodRow } from '../../support/payment-methods.js';
import { gatewayOperation, paymentEvents, paymentEventsOf, paymentRow, paymentWithStatus, retriedCharges, settled, startPaymentService, type PaymentService } from '../../support/payment-service.js';
import { testLog } from '@order-platform/shared/testing';

// A retry waits 400-600 ms here, so a charge that waited by retry cannot hide in the latency.
const env = { RETRY_BASE_DELAY_MS: '500', RETRY_MAX_DELAY_MS: '2000' };

describe('payment-service worker: orders.created and stock.reserved, in either order', () => {
  let payments: PaymentService;
  let replica: RunningWorkerProcess | undefined;

  before(async () => {
    payments = await startPaymentService({ env });
  });

  after(async () => {
    await replica?.stop();
    await payments.close();
  });

  /** Publishes `second`, and returns how long until the payment is captured. */
  async function timeToCapture(orderId: string, second: () => Promise<unknown>): Promise<number> {
    const started = performance.now();
    await second();
    await eventually(async () => expect((await paymentRow(payments, orderId))?.status).to.equal('captured'), { intervalMs: 10 });
    return performance.now() - started;
  }

  it('when stock is reserved before the order is seen, it is recorded, and orders.created charges at once, without a retry', async () => {
    const orderId = newOrderId();
    const order = await orderWithCard(payments, orderId, 'tok_ok', 1234);
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    const awaiting = await paymentWithStatus(payments, orderId, 'awaiting_order');
    expect(awaiting).to.include({ amount: null, payment_method_id: null, attempts: 0 });
    expect(await paymentEvents(payments, orderId)).to.deep.equal([]);

    const latency = await timeToCapture(orderId, () => publish(payments, 'orders.created', order));
    expect(latency, 'ms from orders.created to the capture').to.be.below(400); // a retry alone would wait at least 400 ms
    const [captured] = await paymentEventsOf(payments, orderId, ['payments.captured']);
    expect(captured!.data).to.deep.include({ paymentId: awaiting.id, amount: { amount: 1234, currency: 'EUR' } });
    expect(await paymentRow(payments, orderId)).to.include({ id: awaiting.id, status: 'captured', amount: 1234, payment_method_id: order.payment.paymentMethodId, attempts: 1 });
    expect(await gatewayOperation(payments, awaiting.id)).to.include({ attempts: 1, outcome: 'captured' });
    expect(await paymentMethodRow(payments, order.payment.paymentMethodId)).to.include({ status: 'erased', token: null, order_id: orderId });
    expect(await retriedCharges(payments.worker!)).to.equal(0);
  });

  it('when the order is seen first, stock.reserved charges at once, without a retry', async () => {
    const order = await orderWithCard(payments, newOrderId());
    await publish(payments, 'orders.created', order);
    const pending = await paymentWithStatus(payments, order.orderId, 'pending');
    const latency = await timeToCapture(order.orderId, () => publish(payments, 'stock.reserved', stockReserved(order.orderId)));
    expect(latency, 'ms from stock.reserved to the capture').to.be.below(400); // a retry alone would wait at least 400 ms
    expect(await paymentRow(payments, order.orderId)).to.include({ id: pending.id, attempts: 1 });
    expect(await retriedCharges(payments.worker!)).to.equal(0);
  });

  it('when both are handled at once, in two transactions, the second waits for the first and charges once, without a retry', async () => {
    const order = await orderWithCard(payments, newOrderId());
    const db = payments.api.resources.db;
    // holds the card: orders.created's handler, inside its transaction, waits for it
    const holder = await db.transaction();
    try {
      await holder('payment_methods').where({ id: order.payment.paymentMethodId }).forUpdate();
      await publish(payments, 'orders.created', order);
      await waitingOnLocks(1);
      await publish(payments, 'stock.reserved', stockReserved(order.orderId));
      await waitingOnLocks(2); // stock.reserved's handler waits for the order's payment
    } finally {
      await holder.commit();
    }
    await paymentEventsOf(payments, order.orderId, ['payments.captured']);
    const payment = (await paymentRow(payments, order.orderId))!;
    expect(payment).to.include({ status: 'captured', attempts: 1 });
    expect(await gatewayOperation(payments, payment.id)).to.include({ attempts: 1, outcome: 'captured' });
    expect(await retriedCharges(payments.worker!)).to.equal(0);
  });

  it('when two replicas take the two events of many orders at once, each order is charged exactly once and nothing is retried', async () => {
    replica = await startWorker(loadWorkerConfig(payments.env), testLog);
    const orders = await Promise.all(Array.from({ length: 30 }, () => orderWithCard(payments, newOrderId())));
    await Promise.all(orders.map((o, i) => {
      const created = () => publish(payments, 'orders.created', o);
      const reserved = () => publish(payments, 'stock.reserved', stockReserved(o.orderId));
      return i % 2 ? Promise.all([created(), reserved()]) : Promise.all([reserved(), created()]);
    }));
    for (const o of orders) {
      const payment = await paymentWithStatus(payments, o.orderId, 'captured', 20_000);
      expect(payment.attempts, o.orderId).to.equal(1);
      expect(await gatewayOperation(payments, payment.id), o.orderId).to.include({ attempts: 1, outcome: 'captured' });
    }
    await settled(payments);
    for (const o of orders) expect((await paymentEvents(payments, o.orderId)).map((e) => e.type), o.orderId).to.deep.equal(['payments.captured']);
    expect((await retriedCharges(payments.worker!)) + (await retriedCharges(replica))).to.equal(0);
  });

  async function waitingOnLocks(count: number) {
    await eventually(async () => {
      const waiting = await payments.api.resources.db('pg_stat_activity').where({ wait_event_type: 'Lock', datname: payments.database.name });
      expect(waiting, 'handlers waiting for a lock').to.have.length(count);
    });
  }
});
