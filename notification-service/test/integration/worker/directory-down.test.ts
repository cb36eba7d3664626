import { expect } from 'chai';
import { sleep } from '@order-platform/shared/testing';
import { GENERIC_NAME } from '../../../src/domain/notification.js';
import { TestDirectory, TestWebhookReceiver } from '../../support/http-peers.js';
import { TestMailServer } from '../../support/mail-server.js';
import { call, orderConfirmed, publish, startNotificationService, waitFor, type NotificationBody, type NotificationService } from '../../support/notification-service.js';

const secret = 'a-webhook-secret-of-some-length';

describe('worker: customer directory down', function () {
  this.timeout(60_000);
  let directory: TestDirectory;
  let receiver: TestWebhookReceiver;
  let mail: TestMailServer;
  let sut: NotificationService;

  before(async () => {
    directory = await TestDirectory.start();
    directory.customers.set('cust-grace', { name: 'Grace Hopper', email: 'grace@example.com' });
    receiver = await TestWebhookReceiver.start(secret);
    mail = await TestMailServer.start();
    sut = await startNotificationService({
      NOTIFY_CUSTOMER_CHANNEL: 'webhook',
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: secret,
      SMTP_URL: mail.url,
      CUSTOMER_DIRECTORY_URL: directory.url,
      CUSTOMER_DIRECTORY_TIMEOUT_MS: '200',
      CUSTOMER_DIRECTORY_RETRIES: '1',
      CUSTOMER_DIRECTORY_BREAKER_FAILURES: '4',
      CUSTOMER_DIRECTORY_BREAKER_HALF_OPEN_MS: '3000',
      // the same customer is found, then looked up while the directory is down: every lookup
      // must reach it (or its open circuit) for these tests, not the worker's cache of customers
      CUSTOMER_DIRECTORY_CACHE_TTL_MS: '0',
    });
  });
  after(async () => {
    await sut.close();
    await Promise.all([directory.stop(), receiver.stop(), mail.stop()]);
  });

  const logOf = async (orderId: string): Promise<NotificationBody[]> => (await call(sut.api.url, 'GET', `/notifications?orderId=${orderId}`)).body;
  const webhookFor = (orderId: string) => waitFor(() => receiver.received.find((w) => w.payload.orderId === orderId), Boolean);

  it('with the directory up, the signed webhook names the customer', async () => {
    const confirmed = orderConfirmed('cust-grace');
    await publish(sut, 'orders.confirmed', confirmed);
    const webhook = (await webhookFor(confirmed.orderId))!;
    expect(webhook.signatureValid).to.equal(true);
    expect(webhook.payload).to.deep.include({ template: 'order-confirmed', recipient: 'grace@example.com', fallback: null });
    expect(webhook.payload.body).to.equal(`Hello Grace Hopper, your order ${confirmed.orderId} (€60.48) is confirmed.`);
    expect(webhook.id).to.equal(webhook.payload.id);
  });

  it('with the directory hanging, notifications go out with fallback data, the circuit opens, and the consumer keeps up', async () => {
    directory.mode = 'hanging';
    const opening = Array.from({ length: 10 }, () => orderConfirmed('cust-grace'));
    for (const order of opening) await publish(sut, 'orders.confirmed', order);
    for (const order of opening) await webhookFor(order.orderId);
    // open now: the next orders do not reach the directory at all, so they wait on nothing
    const hitsWhileOpen = directory.hits;
    const orders = Array.from({ length: 20 }, () => orderConfirmed('cust-grace'));
    const started = Date.now();
    for (const order of orders) await publish(sut, 'orders.confirmed', order);
    for (const order of orders) await webhookFor(order.orderId);
    const elapsed = Date.now() - started;
    expect(directory.hits - hitsWhileOpen, 'calls that reached the directory while open').to.equal(0);
    // a lookup per order waiting out its timeout and retry would take 20 × 2 × 200 ms at the least
    expect(elapsed).to.be.below(20 * 2 * 200);
    for (const order of [...opening, ...orders]) {
      const webhook = receiver.received.find((w) => w.payload.orderId === order.orderId)!;
      expect(webhook.signatureValid).to.equal(true);
      expect(webhook.payload.customer).to.deep.equal({ id: 'cust-grace', name: GENERIC_NAME, email: null });
      expect(webhook.payload.body).to.match(new RegExp(`^Hello ${GENERIC_NAME}, your order`));
    }
    // the receiver has the webhook before the worker records it as sent
    const [last] = await waitFor(() => logOf(orders.at(-1)!.orderId), (log) => log[0]?.status !== 'sending');
    expect(last).to.include({ status: 'sent', recipient: 'customer:cust-grace', fallback: 'customer directory unavailable (circuit open)' });
  });

  it('once the directory is back, the circuit closes after its half-open wait and names return', async () => {
    directory.mode = 'up';
    // the half-open wait (CUSTOMER_DIRECTORY_BREAKER_HALF_OPEN_MS, 3000) is time itself: the breaker
    // tries a lookup only on the first call after it, so there is nothing to wait for but the clock
    await sleep(3100);
    const confirmed = orderConfirmed('cust-grace');
    await publish(sut, 'orders.confirmed', confirmed);
    const webhook = (await webhookFor(confirmed.orderId))!;
    expect(webhook.payload).to.deep.include({ recipient: 'grace@example.com', fallback: null });
  });

  it('by email, a customer whose address cannot be looked up is logged skipped with the reason, and the queue moves on', async () => {
    await sut.stopWorker();
    sut.env['NOTIFY_CUSTOMER_CHANNEL'] = 'email';
    await sut.startWorker();
    directory.mode = 'failing';
    const errors: (string | null)[] = [];
    for (const order of Array.from({ length: 4 }, () => orderConfirmed('cust-grace'))) {
      await publish(sut, 'orders.confirmed', order);
      const [logged] = await waitFor(() => logOf(order.orderId), (log) => log[0]?.status === 'skipped');
      errors.push(logged!.error);
    }
    const failing = 'customer directory unavailable (customer directory answered 503): no address to send to';
    const open = 'customer directory unavailable (circuit open): no address to send to';
    // two lookups of two calls each open the circuit (4 failures)
    expect(errors).to.deep.equal([failing, failing, open, open]);
    expect(mail.mails).to.have.length(0);
  });
});
