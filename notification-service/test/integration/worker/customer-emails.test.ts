import { expect } from 'chai';
import { TestDirectory } from '../../support/http-peers.js';
import { TestMailServer } from '../../support/mail-server.js';
import {
  call, orderCancelled, orderConfirmed, paymentRefunded, publish, settled, startNotificationService, stockLow,
  waitFor, type NotificationBody, type NotificationService,
} from '../../support/notification-service.js';

describe('worker: customer and staff emails', function () {
  this.timeout(30_000);
  let mail: TestMailServer;
  let directory: TestDirectory;
  let sut: NotificationService;

  before(async () => {
    mail = await TestMailServer.start();
    directory = await TestDirectory.start();
    directory.customers.set('cust-ada', { name: 'Ada Lovelace', email: 'ada@example.com' });
    sut = await startNotificationService({ SMTP_URL: mail.url, CUSTOMER_DIRECTORY_URL: directory.url, STAFF_EMAIL: 'ops@shop.example' });
  });
  after(async () => {
    await sut.close();
    await mail.stop();
    await directory.stop();
  });

  const logOf = async (orderId: string): Promise<NotificationBody[]> => (await call(sut.api.url, 'GET', `/notifications?orderId=${orderId}`)).body;

  it('a confirmed order produces exactly one email, with the subject and the rendered lines and total', async () => {
    const confirmed = orderConfirmed('cust-ada');
    await publish(sut, 'orders.confirmed', confirmed);
    const [email] = await waitFor(() => mail.mails.filter((m) => m.subject.includes(confirmed.orderId)), (found) => found.length === 1);
    expect(email!.to).to.deep.equal(['ada@example.com']);
    expect(email!.subject).to.equal(`Your order ${confirmed.orderId} is confirmed`);
    expect(email!.text).to.include('Hello Ada Lovelace,');
    expect(email!.text).to.include('2 × KETTLE-1 at €25.99 = €51.98');
    expect(email!.text).to.include('1 × MUG-7 at €8.50 = €8.50');
    expect(email!.text).to.include('Total: €60.48');
    const [logged] = await waitFor(() => logOf(confirmed.orderId), (log) => log[0]?.status === 'sent');
    expect(logged).to.include({ template: 'order-confirmed', channel: 'email', recipient: 'ada@example.com', attempts: 1, error: null });
    expect(email!.messageId).to.equal(`<${logged!.id}@notification-service>`);
    expect(logged!.attemptLog.map((a) => a.outcome)).to.deep.equal(['sent']);
  });

  it('a cancelled order says why, and whether a refund follows', async () => {
    const declined = orderCancelled('cust-ada', 'payment_declined');
    const changedMind = orderCancelled('cust-ada', 'customer_request', 'confirmed');
    await publish(sut, 'orders.cancelled', declined);
    await publish(sut, 'orders.cancelled', changedMind);
    const byOrder = (orderId: string) => mail.mails.find((m) => m.subject === `Your order ${orderId} was cancelled`);
    const first = await waitFor(() => byOrder(declined.orderId), Boolean);
    expect(first!.text).to.include('was cancelled because your payment was declined.');
    expect(first!.text).to.include('You have not been charged.');
    const second = await waitFor(() => byOrder(changedMind.orderId), Boolean);
    expect(second!.text).to.include('because you asked us to cancel it.');
    expect(second!.text).to.include('Your payment of €60.48 will be refunded');
  });

  it('a cancellation that may come after a charge neither says "not charged" nor promises a refund: it says a taken payment is refunded', async () => {
    const cancelledWhilePending = orderCancelled('cust-ada', 'customer_request', 'pending');
    const gatewayGivenUp = orderCancelled('cust-ada', 'payment_unavailable', 'stock_reserved');
    await publish(sut, 'orders.cancelled', cancelledWhilePending);
    await publish(sut, 'orders.cancelled', gatewayGivenUp);
    for (const { orderId } of [cancelledWhilePending, gatewayGivenUp]) {
      const email = await waitFor(() => mail.mails.find((m) => m.subject === `Your order ${orderId} was cancelled`), Boolean);
      expect(email!.text).not.to.include('not been charged');
      expect(email!.text).not.to.include('Your payment of');
      expect(email!.text).to.include('If a payment of €60.48 had already been taken, we refund it in full and will tell you when it is on its way.');
    }
  });

  it('a refund is announced to the customer', async () => {
    const refunded = paymentRefunded('cust-ada');
    await publish(sut, 'payments.refunded', refunded);
    const email = await waitFor(() => mail.mails.find((m) => m.subject === `Refund of €60.48 for order ${refunded.orderId}`), Boolean);
    expect(email!.to).to.deep.equal(['ada@example.com']);
    expect(email!.text).to.include(`we have refunded €60.48 for your cancelled order ${refunded.orderId}`);
  });

  it('a low-stock alert reaches staff, without asking the directory', async () => {
    const hits = directory.hits;
    await publish(sut, 'stock.low', stockLow('LAMP-3'));
    const email = await waitFor(() => mail.to('ops@shop.example').find((m) => m.subject === 'Low stock: LAMP-3 (2 left)'), Boolean);
    expect(email!.text).to.include('Stock of Kettle (LAMP-3) fell to 2 available, below its threshold of 5');
    expect(directory.hits).to.equal(hits);
  });

  it('when an event is delivered twice, one email is sent', async () => {
    const confirmed = orderConfirmed('cust-ada');
    const id = await publish(sut, 'orders.confirmed', confirmed);
    await publish(sut, 'orders.confirmed', confirmed, { id, msgId: `${id}-again` });
    // another event for the same transition (e.g. a republished one) is the same notification too
    await publish(sut, 'orders.confirmed', confirmed);
    await waitFor(() => logOf(confirmed.orderId), (log) => log[0]?.status === 'sent');
    await settled(sut);
    expect(mail.mails.filter((m) => m.subject.includes(confirmed.orderId))).to.have.length(1);
    expect(await logOf(confirmed.orderId)).to.have.length(1);
  });

  it('a template edited over HTTP changes the next email', async () => {
    const edit = await call(sut.api.url, 'PUT', '/templates/order-confirmed', {
      email: { subject: 'Good news, {{customerName}}: {{orderId}} is on its way', body: 'Paid {{total}}.{{#items}} {{sku}}{{/items}}' },
    });
    expect(edit.status).to.equal(200);
    expect(edit.body.channels.email).to.include({ version: 2 });
    const confirmed = orderConfirmed('cust-ada');
    await publish(sut, 'orders.confirmed', confirmed);
    const email = await waitFor(() => mail.mails.find((m) => m.subject.includes(confirmed.orderId)), Boolean);
    expect(email!.subject).to.equal(`Good news, Ada Lovelace: ${confirmed.orderId} is on its way`);
    expect(email!.text.trim()).to.equal('Paid €60.48. KETTLE-1 MUG-7');
  });

  it('a customer the directory does not know is logged skipped, with the reason', async () => {
    const confirmed = orderConfirmed('cust-nobody');
    await publish(sut, 'orders.confirmed', confirmed);
    const [logged] = await waitFor(() => logOf(confirmed.orderId), (log) => log.length === 1);
    expect(logged).to.include({ status: 'skipped', recipient: null, error: 'customer cust-nobody is not in the directory: no address to send to' });
  });
});
