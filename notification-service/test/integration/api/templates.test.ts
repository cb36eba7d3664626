import { expect } from 'chai';
import { selfNested24 } from '../../support/hostile-templates.js';
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

  it('the 24-deep self-nesting list is refused with 422 naming the problem, and nothing changes', async () => {
    const { status, headers, body } = await call(sut.api.url, 'PUT', '/templates/order-confirmed', { email: { subject: 'Order {{orderId}}', body: selfNested24 } });
    expect(status).to.equal(422);
    expect(headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(body.problems).to.deep.equal(['email.body: section "items" is opened inside a section "items"']);
    const stored = (await call(sut.api.url, 'GET', '/templates/order-confirmed')).body;
    expect(stored.channels.email).to.include({ version: 1 });
    expect(stored.channels.email.body).not.to.include('{{#items}}{{#items}}');
  });

  it('a list nested in itself at depth 2, and sections nested deeper than 3, are refused, each listed', async () => {
    const { status, body } = await call(sut.api.url, 'PUT', '/templates/order-cancelled', {
      email: { subject: 'Cancelled', body: '{{#items}}{{#items}}{{sku}}{{/items}}{{/items}}' },
      webhook: { subject: 'Cancelled', body: '{{#refundFollows}}{{#items}}{{#sku}}{{^quantity}}none{{/quantity}}{{/sku}}{{/items}}{{/refundFollows}}' },
    });
    expect(status).to.equal(422);
    expect(body.problems).to.deep.equal(['email.body: section "items" is opened inside a section "items"', 'webhook.body: sections nest more than 3 deep ("quantity")']);
  });

  it('a NUL or a lone surrogate (Postgres cannot store either) is a 400 naming the field; a long text too', async () => {
    for (const body of ['before\u0000after', 'half an emoji \ud83d']) {
      const refused = await call(sut.api.url, 'PUT', '/templates/stock-low', { email: { subject: 'Low {{sku}}', body } });
      expect(refused.status, JSON.stringify(body)).to.equal(400);
      expect(refused.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['/email/body']);
    }
    expect((await call(sut.api.url, 'PUT', '/templates/stock-low', { email: { subject: 'x', body: 'y'.repeat(20_001) } })).status).to.equal(400);
    const fine = await call(sut.api.url, 'PUT', '/templates/stock-low', { email: { subject: 'Low {{sku}} 📦', body: `${'y'.repeat(20_000 - 7)}{{sku}}` } });
    expect(fine.status).to.equal(200);
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
