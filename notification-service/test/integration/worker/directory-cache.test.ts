import { expect } from 'chai';
import { TestDirectory } from '../../support/http-peers.js';
import { TestMailServer } from '../../support/mail-server.js';
import { call, orderConfirmed, publish, startNotificationService, waitFor, type NotificationBody, type NotificationService } from '../../support/notification-service.js';

describe('worker: customers the directory found are kept for a while', function () {
  this.timeout(60_000);
  let mail: TestMailServer;
  let directory: TestDirectory;
  let sut: NotificationService;

  before(async () => {
    [mail, directory] = await Promise.all([TestMailServer.start(), TestDirectory.start()]);
    directory.customers.set('cust-ada', { name: 'Ada Lovelace', email: 'ada@example.com' });
    directory.customers.set('cust-grace', { name: 'Grace Hopper', email: 'grace@example.com' });
    // the default TTL (60 s) and size
    sut = await startNotificationService({ SMTP_URL: mail.url, CUSTOMER_DIRECTORY_URL: directory.url });
  });
  after(async () => {
    await sut.close();
    await Promise.all([mail.stop(), directory.stop()]);
  });

  const logOf = async (orderId: string): Promise<NotificationBody[]> => (await call(sut.api.url, 'GET', `/notifications?orderId=${orderId}`)).body;

  /** Confirms an order of `customerId` and waits until its notification is settled; returns the directory calls it made. */
  async function confirmCounting(customerId: string): Promise<{ calls: number; logged: NotificationBody }> {
    const before = directory.hits;
    const confirmed = orderConfirmed(customerId);
    await publish(sut, 'orders.confirmed', confirmed);
    const [logged] = await waitFor(() => logOf(confirmed.orderId), (log) => log[0] !== undefined && log[0].status !== 'sending');
    return { calls: directory.hits - before, logged: logged! };
  }

  it("a customer's second mail does not ask the directory; another customer's does", async () => {
    const first = await confirmCounting('cust-ada');
    expect(first.calls).to.equal(1);
    const second = await confirmCounting('cust-ada');
    expect(second.calls, 'directory calls for the second mail').to.equal(0);
    expect(second.logged).to.include({ status: 'sent', recipient: 'ada@example.com' });
    expect(mail.to('ada@example.com').filter((m) => m.text.includes('Hello Ada Lovelace,'))).to.have.length(2);
    expect((await confirmCounting('cust-grace')).calls).to.equal(1);
  });

  it('a customer the directory does not know, or a lookup that failed, is asked for again', async () => {
    const unknown = await confirmCounting('cust-nobody');
    expect(unknown.logged.status).to.equal('skipped');
    expect((await confirmCounting('cust-nobody')).calls, 'a 404 is not kept').to.equal(1);
    directory.customers.set('cust-kat', { name: 'Katherine Johnson', email: 'kat@example.com' });
    directory.mode = 'failing';
    try {
      const failed = await confirmCounting('cust-kat');
      expect(failed.logged.status).to.equal('skipped');
    } finally {
      directory.mode = 'up';
    }
    const recovered = await confirmCounting('cust-kat');
    expect(recovered.calls, 'a failure is not kept').to.equal(1);
    expect(recovered.logged).to.include({ status: 'sent', recipient: 'kat@example.com' });
  });

  it('with CUSTOMER_DIRECTORY_CACHE_TTL_MS=0, every mail asks the directory, and a changed address is used at once', async () => {
    await sut.stopWorker();
    sut.env['CUSTOMER_DIRECTORY_CACHE_TTL_MS'] = '0';
    await sut.startWorker();
    expect((await confirmCounting('cust-ada')).calls).to.equal(1);
    directory.customers.set('cust-ada', { name: 'Ada Lovelace', email: 'ada@new.example' });
    const next = await confirmCounting('cust-ada');
    expect(next.calls).to.equal(1);
    expect(next.logged).to.include({ status: 'sent', recipient: 'ada@new.example' });
  });
});
