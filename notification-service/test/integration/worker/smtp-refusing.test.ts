import { expect } from 'chai';
import { listDeadLetters, replayDeadLetter } from '@order-platform/shared';
import { TestDirectory } from '../../support/http-peers.js';
import { TestMailServer } from '../../support/mail-server.js';
import { call, orderConfirmed, publish, settled, startNotificationService, waitFor, type NotificationBody, type NotificationService } from '../../support/notification-service.js';

describe('worker: SMTP server refusing mail', function () {
  this.timeout(60_000);
  let mail: TestMailServer;
  let directory: TestDirectory;
  let sut: NotificationService;

  before(async () => {
    mail = await TestMailServer.start();
    directory = await TestDirectory.start();
    directory.customers.set('cust-alan', { name: 'Alan Turing', email: 'alan@example.com' });
    sut = await startNotificationService({ SMTP_URL: mail.url, CUSTOMER_DIRECTORY_URL: directory.url });
  });
  after(async () => {
    await sut.close();
    await mail.stop();
    await directory.stop();
  });

  const logOf = async (orderId: string): Promise<NotificationBody | undefined> => (await call(sut.api.url, 'GET', `/notifications?orderId=${orderId}`)).body[0];
  const deadLetterOf = async (eventId: string) => (await listDeadLetters(sut.api.resources.nc, sut.topology, { service: 'notification-service' })).find((d) => d.eventId === eventId);

  it('a transient refusal is retried with backoff, ends failed in the log and in the DLQ, and a replay sends it once', async () => {
    mail.refuse = { code: 451, message: 'try again later' };
    const confirmed = orderConfirmed('cust-alan');
    const eventId = await publish(sut, 'orders.confirmed', confirmed);
    const failed = await waitFor(() => logOf(confirmed.orderId), (n) => n?.status === 'failed', 30_000);
    expect(failed!.attempts).to.equal(8);
    expect(failed!.attemptLog.map((a) => a.outcome)).to.deep.equal(Array(8).fill('failed'));
    expect(failed!.attemptLog[0]!.error).to.match(/451 try again later/);
    expect(failed!.error).to.match(/^retries exhausted: SMTP send failed: .*451/);
    const dead = await waitFor(() => deadLetterOf(eventId), Boolean);
    expect(dead).to.include({ consumer: 'notification-service-orders-confirmed', errorKind: 'transient', deliveryCount: 8 });
    expect(mail.mails).to.have.length(0);

    mail.refuse = undefined;
    await replayDeadLetter(sut.api.resources.nc, sut.topology, dead!.seq);
    const sent = await waitFor(() => logOf(confirmed.orderId), (n) => n?.status === 'sent');
    expect(sent).to.include({ attempts: 9, error: null });
    await settled(sut);
    expect(mail.mails.map((m) => m.subject)).to.deep.equal([`Your order ${confirmed.orderId} is confirmed`]);
    expect(await deadLetterOf(eventId)).to.equal(undefined);
  });

  it('a permanent refusal (5xx) is not retried: failed after one attempt, and dead-lettered', async () => {
    mail.refuse = { code: 550, message: 'no such mailbox' };
    const confirmed = orderConfirmed('cust-alan');
    const eventId = await publish(sut, 'orders.confirmed', confirmed);
    const failed = await waitFor(() => logOf(confirmed.orderId), (n) => n?.status === 'failed');
    expect(failed).to.include({ attempts: 1 });
    expect(failed!.error).to.match(/550 no such mailbox/);
    expect(await waitFor(() => deadLetterOf(eventId), Boolean)).to.include({ errorKind: 'permanent', deliveryCount: 1 });
    mail.refuse = undefined;
  });
});
