import { expect } from 'chai';
import { eventually, readStream } from '@order-platform/shared/testing';
import { chargeAttempts } from '../../../src/worker/charge-budget.js';
import { newOrderId, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { paymentMethodRow } from '../../support/payment-methods.js';
import { gatewayOperation, paymentEventsOf, paymentRow, paymentWithStatus, startPaymentService, type PaymentService } from '../../support/payment-service.js';

// a small budget: the retries of an unavailable gateway end within 1.5 s
const budgetMs = 1500;
const retry = { baseDelayMs: 100, maxDelayMs: 1000 };
const maxAttempts = chargeAttempts(budgetMs, retry);
const slackMs = 1000; // handling, the relay and reading the stream, on a busy machine

describe('payment-service worker: retrying a charge', () => {
  let payments: PaymentService;

  before(async () => {
    payments = await startPaymentService({ env: { PAYMENT_CHARGE_BUDGET_MS: String(budgetMs), RETRY_BASE_DELAY_MS: String(retry.baseDelayMs), RETRY_MAX_DELAY_MS: String(retry.maxDelayMs) } });
    expect(maxAttempts, 'deliveries the budget allows').to.be.within(2, 10);
  });

  after(async () => {
    await payments.close();
  });

  async function deadLetters(orderId: string, consumer: string) {
    const subject = payments.topology.dlqSubject('payment-service', consumer);
    return (await readStream(payments.api.resources.nc, payments.topology.stream('DLQ'), subject)).filter((m) => m.headers['ce-subject'] === orderId);
  }

  it('when the gateway fails transiently twice (tok_flaky), the payment is captured on the third delivery, and records 3 attempts', async () => {
    const orderId = newOrderId();
    await publish(payments, 'orders.created', await orderWithCard(payments, orderId, 'tok_flaky'));
    const payment = await paymentWithStatus(payments, orderId, 'pending');
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    await paymentEventsOf(payments, orderId, ['payments.captured']);
    expect(await paymentRow(payments, orderId)).to.include({ status: 'captured', attempts: 3 });
    expect(await gatewayOperation(payments, payment.id)).to.include({ attempts: 3, outcome: 'captured' });
    expect(await deadLetters(orderId, 'payment-service-stock-reserved')).to.deep.equal([]);
  });

  it('when the gateway stays unavailable, payments.failed (payment_unavailable) comes within the budget, and the attempts recorded are the deliveries', async () => {
    const orderId = newOrderId();
    const order = await orderWithCard(payments, orderId, 'tok_unavailable');
    await publish(payments, 'orders.created', order);
    const payment = await paymentWithStatus(payments, orderId, 'pending');
    const started = performance.now();
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    const [failed] = await paymentEventsOf(payments, orderId, ['payments.failed'], 20_000);
    expect(performance.now() - started, 'ms from stock.reserved to payments.failed').to.be.below(budgetMs + slackMs);
    expect(failed!.data).to.deep.include({ orderId, paymentId: payment.id, reason: 'payment_unavailable', detail: 'card gateway unavailable' });
    expect(await paymentRow(payments, orderId)).to.include({ status: 'failed', failure_reason: 'payment_unavailable', attempts: maxAttempts });
    const [dead] = await eventually(async () => {
      const found = await deadLetters(orderId, 'payment-service-stock-reserved');
      expect(found).to.have.length(1);
      return found;
    });
    expect(dead!.headers).to.include({ 'dlq-delivery-count': String(maxAttempts), 'dlq-error-kind': 'transient' });
    expect(dead!.headers['dlq-error']).to.match(/^card gateway unavailable/);
    // each delivery asked the gateway once; then the charge was voided: nothing can be taken under its key any more
    expect(await gatewayOperation(payments, payment.id)).to.include({ attempts: maxAttempts, outcome: 'voided' });
    expect(await paymentMethodRow(payments, order.payment.paymentMethodId)).to.include({ status: 'erased', token: null });
    // the dead letter is a copy of stock.reserved, which never held a card
    expect(JSON.stringify(dead)).not.to.include('tok_');
  });

  it('when stock was reserved first and the gateway stays unavailable, orders.created ends in payments.failed (payment_unavailable) within the budget', async () => {
    const orderId = newOrderId();
    const order = await orderWithCard(payments, orderId, 'tok_unavailable');
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    const awaiting = await paymentWithStatus(payments, orderId, 'awaiting_order');
    const started = performance.now();
    await publish(payments, 'orders.created', order);
    const [failed] = await paymentEventsOf(payments, orderId, ['payments.failed'], 20_000);
    expect(performance.now() - started, 'ms from orders.created to payments.failed').to.be.below(budgetMs + slackMs);
    expect(failed!.data).to.deep.include({ paymentId: awaiting.id, reason: 'payment_unavailable', detail: 'card gateway unavailable' });
    expect(await paymentRow(payments, orderId)).to.include({ status: 'failed', amount: order.total.amount, payment_method_id: order.payment.paymentMethodId, attempts: maxAttempts });
    expect(await gatewayOperation(payments, awaiting.id)).to.include({ attempts: maxAttempts, outcome: 'voided' });
    // the card was claimed for the order and erased in the hook's transaction
    expect(await paymentMethodRow(payments, order.payment.paymentMethodId)).to.include({ status: 'erased', token: null, order_id: orderId });
    const [dead] = await eventually(async () => {
      const found = await deadLetters(orderId, 'payment-service-orders-created');
      expect(found).to.have.length(1);
      return found;
    });
    expect(dead!.headers).to.include({ 'dlq-delivery-count': String(maxAttempts) });
    expect(JSON.stringify(dead)).not.to.include('tok_');
  });
});
