import { expect } from 'chai';
import { createDb, type Knex } from '@order-platform/shared';
import { TestDirectory, TestWebhookReceiver } from '../../support/http-peers.js';
import { TestMailServer } from '../../support/mail-server.js';
import { call, orderConfirmed, publish, startNotificationService, waitFor, type NotificationBody, type NotificationService } from '../../support/notification-service.js';
import { kill, shortenAckWait, spawnWorker } from '../../support/worker-process.js';

const secret = 'a-webhook-secret-of-some-length';

/**
 * The worst moment to die: the receiver has the message, the log does not know yet. The test
 * holds a lock that stops the worker from recording the outcome, SIGKILLs it, lets go, and
 * starts another worker, which gets the event again after ack_wait.
 */
describe('worker: killed between sending and recording the send', function () {
  this.timeout(60_000);
  let mail: TestMailServer;
  let receiver: TestWebhookReceiver;
  let directory: TestDirectory;
  let sut: NotificationService;
  let db: Knex;

  before(async () => {
    [mail, receiver, directory] = await Promise.all([TestMailServer.start(), TestWebhookReceiver.start(secret), TestDirectory.start()]);
    directory.customers.set('cust-kat', { name: 'Katherine Johnson', email: 'kat@example.com' });
    sut = await startNotificationService(
      { SMTP_URL: mail.url, CUSTOMER_DIRECTORY_URL: directory.url, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret },
      { worker: false },
    );
    await shortenAckWait(sut, 'ORDERS', 'notification-service-orders-confirmed', 2000);
    db = createDb(sut.database.url, { poolMax: 2, applicationName: 'test-lock-holder' });
  });
  after(async () => {
    await sut.close();
    await db.destroy();
    await Promise.all([mail.stop(), receiver.stop(), directory.stop()]);
  });

  /** Backends waiting for a lock on the table: the worker blocked behind the test's lock. */
  const waitersOn = async (table: string): Promise<number> =>
    Number((await db.raw('select count(*) as n from pg_locks l join pg_class c on c.oid = l.relation where c.relname = ? and not l.granted', [table])).rows[0].n);

  const logOf = async (orderId: string): Promise<NotificationBody | undefined> => (await call(sut.api.url, 'GET', `/notifications?orderId=${orderId}`)).body[0];

  /** Runs the scenario; `arrived` is the receiver's hook point. Returns once a new worker has settled the notification. */
  async function dieAfterSend(orderId: string, channel: 'email' | 'webhook', hook: (pause: () => Promise<void>) => void): Promise<NotificationBody> {
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => {
      hook(async () => {
        hook(() => {}); // only the first arrival
        const locked = new Promise<void>((ready) => {
          void db.transaction(async (trx) => {
            await trx.raw('lock table notifications in exclusive mode');
            ready();
            await new Promise<void>((done) => (release = done));
          });
        });
        await locked;
        resolve();
      });
    });
    const first = spawnWorker(sut, { NOTIFY_CUSTOMER_CHANNEL: channel });
    await publish(sut, 'orders.confirmed', orderConfirmed('cust-kat', orderId));
    await held;
    // the receiver has answered; the worker now waits on the lock to record it
    await waitFor(() => waitersOn('notifications'), (n) => n > 0);
    expect((await logOf(orderId))!.status).to.equal('sending');
    await kill(first);
    release!();
    const second = spawnWorker(sut, { NOTIFY_CUSTOMER_CHANNEL: channel });
    try {
      return (await waitFor(() => logOf(orderId), (n) => n?.status !== 'sending', 20_000))!;
    } finally {
      await kill(second);
    }
  }

  it('an email is sent again with the same Message-ID, so the customer is not left without it and a repeat is the same message', async () => {
    const orderId = crypto.randomUUID();
    const settled = await dieAfterSend(orderId, 'email', (pause) => (mail.beforeAccept = async () => pause()));
    mail.beforeAccept = undefined;
    // no wait needed: the sink keeps a mail before its sender hears 250, so any mail the second
    // worker had sent is here by the time that worker recorded the notification as settled
    const mails = mail.mails.filter((m) => m.subject.includes(orderId));
    expect(mails).to.have.length(2);
    expect(new Set(mails.map((m) => m.messageId))).to.deep.equal(new Set([`<${settled.id}@notification-service>`]));
    expect(settled).to.include({ status: 'sent', attempts: 2 });
    expect(settled.attemptLog.map((a) => a.outcome)).to.deep.equal(['interrupted', 'sent']);
  });

  it('a webhook is sent again with the same webhook-id, so the receiver processes it once', async () => {
    const orderId = crypto.randomUUID();
    const settled = await dieAfterSend(orderId, 'webhook', (pause) => (receiver.beforeRespond = async () => pause()));
    receiver.beforeRespond = undefined;
    const deliveries = receiver.received.filter((w) => w.payload.orderId === orderId);
    expect(deliveries).to.have.length(2);
    expect(new Set(deliveries.map((w) => w.id))).to.deep.equal(new Set([settled.id]));
    expect(deliveries.every((w) => w.signatureValid)).to.equal(true);
    expect(settled).to.include({ status: 'sent', attempts: 2 });
    expect(settled.attemptLog.map((a) => a.outcome)).to.deep.equal(['interrupted', 'sent']);
  });
});
