import { expect } from 'chai';
import { newOrderId, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { call, paymentEventsOf, paymentWithStatus, startPaymentService, type PaymentService } from '../../support/payment-service.js';

describe("payment-service: an order's records for the console (GET /admin/orders/:id/records)", () => {
  let payments: PaymentService;

  before(async () => {
    payments = await startPaymentService();
  });

  after(async () => {
    await payments.close();
  });

  it('shows a declined charge with the issuer\'s detail, the payment failed with its reason, and the two events handled', async () => {
    const orderId = newOrderId();
    await publish(payments, 'orders.created', await orderWithCard(payments, orderId, 'tok_declined', 5198));
    await paymentWithStatus(payments, orderId, 'pending');
    const reserved = await publish(payments, 'stock.reserved', stockReserved(orderId));
    await paymentEventsOf(payments, orderId, ['payments.failed']);

    const { status, body } = await call(payments.api.url, 'GET', `/admin/orders/${orderId}/records`);
    expect(status).to.equal(200);
    expect(body).to.include({ service: 'payment-service', orderId });
    expect(body.records.map((r: { kind: string }) => r.kind)).to.have.members(['payment', 'payment-status', 'gateway-charge']);
    const charge = body.records.find((r: { kind: string }) => r.kind === 'gateway-charge');
    expect(charge.summary).to.equal('charge of 51.98 EUR: declined (card declined by the issuer) after 1 request(s)');
    expect(charge.details).to.include({ outcome: 'declined', detail: 'card declined by the issuer', requests: 1 });
    expect(body.records.find((r: { kind: string }) => r.kind === 'payment-status').details).to.include({ status: 'failed', failureReason: 'payment_declined' });
    expect(body.handled.map((h: { consumer: string; messageId: string; deliveries: number }) => [h.consumer, h.deliveries])).to.have.deep.members([
      ['payment-service-orders-created', 1],
      ['payment-service-stock-reserved', 1],
    ]);
    expect(body.handled.find((h: { consumer: string }) => h.consumer === 'payment-service-stock-reserved').messageId).to.equal(reserved);
  });
});
