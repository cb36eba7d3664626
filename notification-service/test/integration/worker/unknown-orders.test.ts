import { expect } from 'chai';
import { listDeadLetters } from '@order-platform/shared';
import { sleep } from '@order-platform/shared/testing';
import { TestDirectory } from '../../support/http-peers.js';
import { TestMailServer } from '../../support/mail-server.js';
import {
  call, orderCancelled, orderConfirmed, paymentRefunded, publish, publishOrderCreated, startNotificationService, waitFor,
  type NotificationBody, type NotificationService,
} from '../../support/notification-service.js';

describe('worker: events about orders the system never accepted', function () {
  this.timeout(30_000);
  let mail: TestMailServer;
  let directory: TestDirectory;
  let sut: NotificationService;

  before(async () => {
    mail = await TestMailServer.start();
    directory = await TestDirectory.start();
    directory.customers.set('cust-ada', { name: 'Ada Lovelace', email: 'ada@example.com' });
    directory.customers.set('cust-grace', { name: 'Grace Hopper', email: 'grace@example.com' });
    sut = await startNotificationService({ SMTP_URL: mail.url, CUSTOMER_DIRECTORY_URL: directory.url });
  });
  after(async () => {
    await sut.close();
    await mail.stop();
    await directory.stop();
  });

  const logOf = async (orderId: string): Promise<NotificationBody[]> => (await call(sut.api.url, 'GET', `/notifications?orderId=${orderId}`)).body;
  const mailsAbout = (orderId: string) => mail.mails.filter((m) => m.subject.includes(orderId));

  it('valid events for an order that was never created mail no one', async () => {
    const confirmed = orderConfirmed('cust-ada');
    await publish(sut, 'orders.confirmed', confirmed, { accepted: false });
    await publish(sut, 'orders.cancelled', { ...orderCancelled('cust-ada', 'customer_request'), orderId: confirmed.orderId }, { accepted: false });
    await publish(sut, 'payments.refunded', { ...paymentRefunded('cust-ada'), orderId: confirmed.orderId }, { accepted: false });
    // a known order's mail, published after them, is through: so were they
    const known = orderConfirmed('cust-ada');
    await publish(sut, 'orders.confirmed', known);
    await waitFor(() => mailsAbout(known.orderId), (found) => found.length === 1);
    await sleep(500);
    expect(mailsAbout(confirmed.orderId)).to.deep.equal([]);
    expect(await logOf(confirmed.orderId)).to.deep.equal([]);
  });

  it('an event that arrives before its order\'s orders.created is held, and sent once when that arrives', async () => {
    const confirmed = orderConfirmed('cust-ada');
    await publish(sut, 'orders.confirmed', confirmed, { accepted: false });
    await sleep(1000);
    expect(mailsAbout(confirmed.orderId)).to.deep.equal([]);
    await publishOrderCreated(sut, confirmed.orderId, 'cust-ada');
    const [email] = await waitFor(() => mailsAbout(confirmed.orderId), (found) => found.length === 1);
    expect(email!.to).to.deep.equal(['ada@example.com']);
    await sleep(500);
    expect(mailsAbout(confirmed.orderId)).to.have.length(1);
  });

  it('an event naming another customer than the order\'s is dead-lettered at once and mails no one', async () => {
    const orderId = crypto.randomUUID();
    await publishOrderCreated(sut, orderId, 'cust-ada');
    await sleep(1000); // known by now (an event held before it that names another customer is dropped instead)
    const eventId = await publish(sut, 'orders.confirmed', orderConfirmed('cust-grace', orderId), { accepted: false });
    const dead = await waitFor(
      async () => (await listDeadLetters(sut.api.resources.nc, sut.topology, { service: 'notification-service' })).find((d) => d.eventId === eventId),
      Boolean,
    );
    expect(dead).to.include({ consumer: 'notification-service-orders-confirmed', errorKind: 'permanent', deliveryCount: 1 });
    expect(mail.mails.filter((m) => m.to.includes('grace@example.com'))).to.deep.equal([]);
    expect(mailsAbout(orderId)).to.deep.equal([]);
  });
});
