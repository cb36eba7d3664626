import { expect } from 'chai';
import { call, startNotificationService, type NotificationService } from '../../support/notification-service.js';

describe('api: templates', () => {
  let sut: NotificationService;
  before(async () => {
    sut = await startNotificationService({}, { worker: false });
  });
  after(() => sut.close());

  it('GET /templates lists every template with its variables and its seeded text per channel', async () => {
    const { status, body } = await call(sut.api.url, 'GET', '/templates');
    expect(status).to.equal(200);
    expect(body.map((t: { name: string }) => t.name)).to.deep.equal(['order-confirmed', 'order-cancelled', 'payment-refunded', 'stock-low']);
    const confirmed = body[0];
    expect(confirmed.audience).to.equal('customer');
    expect(Object.keys(confirmed.variables)).to.include.members(['customerName', 'orderId', 'items', 'total']);
    expect(confirmed.channels.email).to.include({ subject: 'Your order {{orderId}} is confirmed', version: 1 });
    expect(confirmed.channels.webhook.body).to.include('{{customerName}}');
    expect(body[3].audience).to.equal('staff');
  });

  it('PUT replaces the texts of the channels given and keeps the others', async () => {
    const { status, body } = await call(sut.api.url, 'PUT', '/templates/payment-refunded', { webhook: { subject: 'Refund {{orderId}}', body: '{{amount}} back' } });
    expect(status).to.equal(200);
    expect(body.channels.webhook).to.include({ subject: 'Refund {{orderId}}', body: '{{amount}} back', version: 2 });
    expect(body.channels.email).to.include({ version: 1 });
    expect((await call(sut.api.url, 'GET', '/templates/payment-refunded')).body).to.deep.equal(body);
  });

  it('a text that refers to an unknown variable is refused with 422, naming each problem, and nothing changes', async () => {
    const { status, headers, body } = await call(sut.api.url, 'PUT', '/templates/order-confirmed', {
      email: { subject: 'Order {{orderNumber}}', body: 'Hi {{customerName}} {{#items}}{{price}}{{/items}}' },
    });
    expect(status).to.equal(422);
    expect(headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(body.problems).to.deep.equal(['email.subject: unknown variable "orderNumber"', 'email.body: unknown variable "price"']);
    expect(body.variables).to.include('orderId');
    const stored = (await call(sut.api.url, 'GET', '/templates/order-confirmed')).body;
    expect(stored.channels.email).to.include({ subject: 'Your order {{orderId}} is confirmed', version: 1 });
  });

  it('an unknown template is 404, a malformed body 400', async () => {
    expect((await call(sut.api.url, 'PUT', '/templates/order-shipped', { email: { subject: 'x', body: 'y' } })).status).to.equal(404);
    expect((await call(sut.api.url, 'GET', '/templates/order-shipped')).status).to.equal(404);
    expect((await call(sut.api.url, 'PUT', '/templates/stock-low', {})).status).to.equal(400);
    expect((await call(sut.api.url, 'PUT', '/templates/stock-low', { sms: { subject: 'x', body: 'y' } })).status).to.equal(400);
    expect((await call(sut.api.url, 'PUT', '/templates/stock-low', { email: { subject: '' } })).status).to.equal(400);
  });

  it('GET /notifications validates its query and answers an empty log with []', async () => {
    expect((await call(sut.api.url, 'GET', '/notifications?orderId=nothing-yet')).body).to.deep.equal([]);
    expect((await call(sut.api.url, 'GET', '/notifications?status=lost')).status).to.equal(400);
    expect((await call(sut.api.url, 'GET', '/notifications?limit=0')).status).to.equal(400);
  });
});
