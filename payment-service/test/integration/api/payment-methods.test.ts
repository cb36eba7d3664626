import { expect } from 'chai';
import { asCustomer, callAs } from '@order-platform/shared/testing';
import { paymentMethodRow } from '../../support/payment-methods.js';
import { call, startPaymentService, type PaymentService } from '../../support/payment-service.js';

describe('payment-service payment methods API', () => {
  let payments: PaymentService;
  const ada = callAs(asCustomer('cust-ada'));

  before(async () => {
    payments = await startPaymentService({ worker: false, env: { PAYMENT_METHOD_TTL_MINUTES: '30' } });
  });

  after(async () => {
    await payments.close();
  });

  it('registers a card for the calling customer and answers without the token, which only the table holds', async () => {
    const before = Date.now();
    const response = await ada(payments.api.url, 'POST', '/payment-methods', { type: 'card', token: 'tok_secret_card' });
    expect(response.status).to.equal(201);
    expect(JSON.stringify(response.body)).not.to.include('tok_');
    expect(Object.keys(response.body).sort()).to.deep.equal(['createdAt', 'customerId', 'expiresAt', 'id', 'status', 'type']);
    expect(response.body).to.include({ type: 'card', customerId: 'cust-ada', status: 'active' });
    expect(response.body.id).to.match(/^pm_[0-9a-f-]{36}$/);
    const ttl = new Date(response.body.expiresAt).getTime() - new Date(response.body.createdAt).getTime();
    expect(ttl).to.equal(30 * 60_000);
    expect(new Date(response.body.createdAt).getTime()).to.be.at.least(before - 1000);
    expect(await paymentMethodRow(payments, response.body.id)).to.include({ customer_id: 'cust-ada', token: 'tok_secret_card', status: 'active', order_id: null });
  });

  it('lets staff register a card for a named customer', async () => {
    const response = await call(payments.api.url, 'POST', '/payment-methods', { customerId: 'cust-grace', type: 'card', token: 'tok_ok' });
    expect(response.status).to.equal(201);
    expect(response.body).to.include({ customerId: 'cust-grace', status: 'active' });
  });

  it('answers 400 problem+json for another payment type, a missing or empty token, or an unknown field, and never echoes the token', async () => {
    for (const body of [{ type: 'cash', token: 'tok_x1' }, { type: 'card' }, { type: 'card', token: '' }, { type: 'card', token: 'tok_x2', cvv: '123' }, { type: 'card', token: 'x'.repeat(257) }]) {
      const response = await ada(payments.api.url, 'POST', '/payment-methods', body);
      expect(response.status, JSON.stringify(body)).to.equal(400);
      expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(JSON.stringify(response.body)).not.to.match(/tok_x|xxxx/);
    }
  });

  it('documents POST /payment-methods in /openapi.json', async () => {
    const doc = await call(payments.api.url, 'GET', '/openapi.json');
    expect(doc.body.paths['/payment-methods'].post).to.be.an('object');
  });
});
