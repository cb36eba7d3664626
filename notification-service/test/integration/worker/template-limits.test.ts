import { expect } from 'chai';
import { createDb, listDeadLetters, replayDeadLetter, type Knex } from '@order-platform/shared';
import { TestDirectory } from '../../support/http-peers.js';
import { selfNested24 } from '../../support/hostile-templates.js';
import { TestMailServer } from '../../support/mail-server.js';
import {
  call, orderCancelled, orderConfirmed, paymentRefunded, publish, startNotificationService, waitFor, type NotificationBody, type NotificationService,
} from '../../support/notification-service.js';

/** Texts the API would refuse can still be in the database (from before the rules, or by SQL): the worker must not stall on them. */
describe('worker: a stored template that would stall delivery', function () {
  this.timeout(60_000);
  let mail: TestMailServer;
  let directory: TestDirectory;
  let sut: NotificationService;
  let db: Knex;

  before(async () => {
    [mail, directory] = await Promise.all([TestMailServer.start(), TestDirectory.start()]);
    directory.customers.set('cust-ada', { name: 'Ada Lovelace', email: 'ada@example.com' });
    directory.customers.set('cust-long', { name: 'L'.repeat(150_000), email: 'long@example.com' });
    sut = await startNotificationService({ SMTP_URL: mail.url, CUSTOMER_DIRECTORY_URL: directory.url, TEMPLATE_RENDER_TIMEOUT_MS: '250' });
    db = createDb(sut.database.url, { poolMax: 1, applicationName: 'test-template-writer' });
  });
  after(async () => {
    await sut.close();
    await db.destroy();
    await Promise.all([mail.stop(), directory.stop()]);
  });

  const logOf = async (orderId: string): Promise<NotificationBody | undefined> => (await call(sut.api.url, 'GET', `/notifications?orderId=${orderId}`)).body[0];
  const deadLetterOf = async (eventId: string) => (await listDeadLetters(sut.api.resources.nc, sut.topology, { service: 'notification-service' })).find((d) => d.eventId === eventId);

  it('the 24-deep self-nesting text written by SQL is dead-lettered as permanent at once, and the next notification goes out promptly', async () => {
    await db('templates').where({ name: 'order-confirmed', channel: 'email' }).update({ body: selfNested24 });
    const bad = orderConfirmed('cust-ada');
    const good = orderCancelled('cust-ada', 'out_of_stock');
    const published = Date.now();
    const badEvent = await publish(sut, 'orders.confirmed', bad);
    await publish(sut, 'orders.cancelled', good);

    const dead = await waitFor(() => deadLetterOf(badEvent), Boolean, 5000);
    expect(dead).to.include({ consumer: 'notification-service-orders-confirmed', errorKind: 'permanent', deliveryCount: 1 });
    expect(dead!.error).to.include('the email text of template order-confirmed breaks the template rules: body: section "items" is opened inside a section "items"');
    const failed = await waitFor(() => logOf(bad.orderId), (n) => n?.status === 'failed', 5000);
    expect(failed).to.include({ template: 'order-confirmed', channel: 'email', attempts: 0 });
    expect(failed!.attemptLog).to.deep.equal([]);
    // refused by the check before any render: the whole handler, directory lookup included, takes a fraction of the 6.5 s render
    expect(Date.parse(failed!.updatedAt) - Date.parse(failed!.createdAt)).to.be.below(1000);

    await waitFor(() => mail.mails.find((m) => m.subject === `Your order ${good.orderId} was cancelled`), Boolean, 3000);
    expect(Date.now() - published).to.be.below(3000);
    expect(mail.mails.filter((m) => m.subject.includes(bad.orderId))).to.deep.equal([]);

    // once the text is fixed, a replay sends it, as its first attempt
    expect((await call(sut.api.url, 'PUT', '/templates/order-confirmed', { email: { subject: 'Order {{orderId}}', body: '{{#items}}{{sku}} {{/items}}' } })).status).to.equal(200);
    await replayDeadLetter(sut.api.resources.nc, sut.topology, dead!.seq);
    const replayed = await waitFor(() => mail.mails.find((m) => m.subject === `Order ${bad.orderId}`), Boolean, 5000);
    expect(replayed!.text.trim()).to.equal('KETTLE-1 MUG-7');
    expect(await waitFor(() => logOf(bad.orderId), (n) => n?.status === 'sent')).to.include({ attempts: 1, error: null });
  });

  it('a text within the rules whose output is over the cap fails for good in its render thread; the next render is served', async () => {
    const edit = await call(sut.api.url, 'PUT', '/templates/payment-refunded', { email: { subject: 'Refund for {{orderId}}', body: '{{customerName}} {{customerName}}' } });
    expect(edit.status).to.equal(200);
    const huge = paymentRefunded('cust-long');
    const fine = paymentRefunded('cust-ada');
    const hugeEvent = await publish(sut, 'payments.refunded', huge);
    const dead = await waitFor(() => deadLetterOf(hugeEvent), Boolean, 5000);
    expect(dead).to.include({ errorKind: 'permanent', deliveryCount: 1 });
    expect(dead!.error).to.include('the email text of template payment-refunded cannot be rendered: the rendered text is longer than 262144 characters');
    expect(await logOf(huge.orderId)).to.include({ status: 'failed', attempts: 0 });

    await publish(sut, 'payments.refunded', fine);
    const email = await waitFor(() => mail.mails.find((m) => m.subject === `Refund for ${fine.orderId}`), Boolean, 3000);
    expect(email!.text.trim()).to.equal('Ada Lovelace Ada Lovelace');
    expect(mail.mails.filter((m) => m.subject.includes(huge.orderId))).to.deep.equal([]);
  });
});
