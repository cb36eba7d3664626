import { expectAnswer, principals } from '@order-platform/shared/testing';
import { startPaymentService, type PaymentService } from '../../support/payment-service.js';

describe('payment-service: who may call which route', () => {
  let payments: PaymentService;
  let as: Awaited<ReturnType<typeof principals>>;

  before(async () => {
    payments = await startPaymentService({ worker: false });
    as = await principals();
  });

  after(async () => {
    await payments?.close();
  });

  it('GET /payments is for staff: 401 without a token, 403 for a customer or a token without a role, 200 for admin', async () => {
    const path = `/payments?orderId=${crypto.randomUUID()}`;
    await expectAnswer(payments.api.url, 'GET', path, as.none, 401);
    await expectAnswer(payments.api.url, 'GET', path, as.noRole, 403);
    await expectAnswer(payments.api.url, 'GET', path, as.ada, 403);
    await expectAnswer(payments.api.url, 'GET', path, as.admin, 200);
  });

  it('POST /payment-methods is for a customer registering their own card, or staff naming the customer', async () => {
    const card = { type: 'card', token: 'tok_ok' };
    await expectAnswer(payments.api.url, 'POST', '/payment-methods', as.none, 401, card);
    await expectAnswer(payments.api.url, 'POST', '/payment-methods', as.noRole, 403, card);
    await expectAnswer(payments.api.url, 'POST', '/payment-methods', as.ada, 403, { ...card, customerId: 'cust-grace' });
    await expectAnswer(payments.api.url, 'POST', '/payment-methods', as.ada, 201, card);
    await expectAnswer(payments.api.url, 'POST', '/payment-methods', as.ada, 201, { ...card, customerId: 'cust-ada' });
    await expectAnswer(payments.api.url, 'POST', '/payment-methods', as.admin, 400, card);
    await expectAnswer(payments.api.url, 'POST', '/payment-methods', as.admin, 201, { ...card, customerId: 'cust-grace' });
  });
});
