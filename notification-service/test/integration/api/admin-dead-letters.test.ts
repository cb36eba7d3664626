import { expect } from 'chai';
import { TestDirectory } from '../../support/http-peers.js';
import { TestMailServer } from '../../support/mail-server.js';
import { call, orderConfirmed, publish, startNotificationService, waitFor, type NotificationService } from '../../support/notification-service.js';

type Letter = { seq: number; consumer: string; error: string; deliveries: number; orderId: string | null };
type Record = { kind: string; details: { outcome?: string; error?: string | null; messageId?: string; status?: string } };

describe('notification-service over its admin endpoints: a refused mail dead-lettered, replayed, and its records', function () {
  this.timeout(60_000);
  let mail: TestMailServer;
  let directory: TestDirectory;
  let sut: NotificationService;

  before(async () => {
    mail = await TestMailServer.start();
    directory = await TestDirectory.start();
    directory.customers.set('cust-grace', { name: 'Grace Hopper', email: 'grace@example.com' });
    // the worker's poll for replay requests a minute away: a replay runs when its request is announced
    sut = await startNotificationService({ SMTP_URL: mail.url, CUSTOMER_DIRECTORY_URL: directory.url, REPLAY_POLL_INTERVAL_MS: '60000' });
  });
  after(async () => {
    await sut.close();
    await mail.stop();
    await directory.stop();
  });

  const deadLetters = async (): Promise<Letter[]> => (await call(sut.api.url, 'GET', '/admin/dead-letters')).body.deadLetters;
  const records = async (orderId: string): Promise<{ records: Record[]; handled: { deliveries: number; consumer: string }[] }> => (await call(sut.api.url, 'GET', `/admin/orders/${orderId}/records`)).body;

  it('lists the dead letter with its order and error, replays it once the mail server accepts, then it is gone and the records show both attempts', async () => {
    mail.refuse = { code: 550, message: 'no such mailbox' };
    const confirmed = orderConfirmed('cust-grace');
    await publish(sut, 'orders.confirmed', confirmed);
    const [letter] = await waitFor(deadLetters, (letters) => letters.some((l) => l.orderId === confirmed.orderId));
    expect(letter).to.include({ consumer: 'notification-service-orders-confirmed', deliveries: 1, orderId: confirmed.orderId });
    expect(letter!.error).to.match(/550 no such mailbox/);

    mail.refuse = undefined;
    const replay = await call(sut.api.url, 'POST', '/admin/dead-letters/replay', { all: true });
    expect(replay.body).to.deep.equal({ replayed: [letter!.seq], failed: [] });
    expect(await deadLetters()).to.deep.equal([]);
    const body = await waitFor(() => records(confirmed.orderId), (r) => r.records.some((x) => x.kind === 'notification' && x.details.status === 'sent'), 3000);
    const attempts = body.records.filter((r) => r.kind === 'delivery-attempt');
    expect(attempts.map((a) => a.details.outcome)).to.deep.equal(['failed', 'sent']);
    expect(attempts[0]!.details.error).to.match(/550 no such mailbox/);
    expect(attempts[1]!.details.messageId).to.match(/^<[0-9a-f-]{36}@notification-service>$/);
    expect(mail.mails).to.have.length(1);
    // the refused delivery left no processed row (rolled back); the replayed copy is a new message: one delivery
    expect(body.handled.map((h) => [h.consumer, h.deliveries])).to.deep.equal([['notification-service-orders-created', 1], ['notification-service-orders-confirmed', 1]]);
  });
});
