import { expect } from 'chai';
import { newOrderId, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { call, paymentEventsOf, startPaymentService, type PaymentService } from '../../support/payment-service.js';

describe('payment-service payments API', () => {
  let payments: PaymentService;

  before(async () => {
    payments = await startPaymentService();
  });

  after(async () => {
    await payments.close();
  });

  it("lists an order's payment with its amount, status and attempts", async () => {
    const orderId = newOrderId();
    await publish(payments, 'orders.created', await orderWithCard(payments, orderId, 'tok_ok', 5198));
    await publish(payments, 'stock.reserved', stockReserved(orderId));
    const [captured] = await paymentEventsOf(payments, orderId, ['payments.captured']);
    const response = await call(payments.api.url, 'GET', `/payments?orderId=${orderId}`);
    expect(response.status).to.equal(200);
    expect(response.body).to.have.length(1);
    const [payment] = response.body;
    expect(Object.keys(payment).sort()).to.deep.equal(['amount', 'attempts', 'createdAt', 'id', 'orderId', 'status', 'updatedAt']);
    expect(payment).to.deep.include({ id: captured!.data['paymentId'], orderId, amount: { amount: 5198, currency: 'EUR' }, status: 'captured', attempts: 1 });
    expect(new Date(payment.updatedAt).getTime()).to.be.at.least(new Date(payment.createdAt).getTime());
  });

  it('answers an empty list for an order without a payment', async () => {
    const response = await call(payments.api.url, 'GET', `/payments?orderId=${newOrderId()}`);
    expect(response).to.deep.include({ status: 200, body: [] });
  });

  it('answers 400 problem+json without an orderId, or with an unknown parameter', async () => {
    for (const path of ['/payments', '/payments?orderId=', '/payments?orderId=o1&status=captured']) {
      const response = await call(payments.api.url, 'GET', path);
      expect(response.status, path).to.equal(400);
      expect(response.headers.get('content-type'), path).to.match(/^application\/problem\+json/);
    }
  });

  it('serves the platform endpoints and documents GET /payments', async () => {
    expect((await call(payments.api.url, 'GET', '/healthz')).status).to.equal(200);
    expect((await call(payments.api.url, 'GET', '/readyz')).body).to.deep.equal({ status: 'ready', checks: { database: true, nats: true } });
    const doc = await call(payments.api.url, 'GET', '/openapi.json');
    expect(doc.body.paths['/payments'].get.parameters[0]).to.include({ name: 'orderId', in: 'query', required: true });
    expect(await (await fetch(`${payments.api.url}/metrics`)).text()).to.match(/service="payment-service"/);
  });
});
