import { expect } from 'chai';
import { newOrderId, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { paymentMethodRow } from '../../support/payment-methods.js';
import { gatewayOperation, paymentEvents, paymentEventsOf, paymentRow, paymentWithStatus, settled, startPaymentService, type PaymentService } from '../../support/payment-service.js';

describe('payment-service worker: a reservation whose order never comes', () => {
  let payments: PaymentService;

  before(async () => {
    payments = await startPaymentService({ env: { PAYMENT_ORDER_WAIT_MS: '600', PAYMENT_ORDER_SWEEP_INTERVAL_MS: '100' } });
  });

  after(async () => {
    await payments.close();
  });

  it('fails after PAYMENT_ORDER_WAIT_MS as payment_unavailable, so the order is cancelled; a late orders.created charges nothing', async () => {
    const orderId = newOrderId();
    const started = Date.now();
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    const awaiting = await paymentWithStatus(payments, orderId, 'awaiting_order');
    const [failed] = await paymentEventsOf(payments, orderId, ['payments.failed'], 10_000);
    expect(Date.now() - started, 'ms until it failed').to.be.at.least(600);
    expect(failed!.data).to.deep.include({ orderId, paymentId: awaiting.id, reason: 'payment_unavailable', detail: 'orders.created not received within 600 ms of stock.reserved' });
    const row = await paymentWithStatus(payments, orderId, 'failed');
    expect(row).to.include({ amount: null, payment_method_id: null, failure_reason: 'payment_unavailable' });
    expect(await gatewayOperation(payments, awaiting.id)).to.include({ outcome: 'voided', attempts: 0 });

    const late = await orderWithCard(payments, orderId);
    await publish(payments, 'orders.created', late);
    await settled(payments);
    expect(await paymentRow(payments, orderId)).to.deep.equal(row);
    expect((await paymentEvents(payments, orderId)).map((e) => e.type)).to.deep.equal(['payments.failed']);
    expect(await paymentMethodRow(payments, late.payment.paymentMethodId)).to.include({ status: 'erased', token: null });
  });
});
