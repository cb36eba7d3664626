import { expect } from 'chai';
import pg from 'pg';
import { TestDirectory } from '../../support/http-peers.js';
import { TestMailServer } from '../../support/mail-server.js';
import { call, orderConfirmed, publish, publishOrderCreated, settled, startNotificationService, waitFor, type NotificationBody, type NotificationService } from '../../support/notification-service.js';

/**
 * The delivery log's writes (a claim before each send, its outcome after) are committed apart
 * from the handlers' transaction, on the ledger's own pool. A batch's deliveries run side by
 * side, so their writes meet: those that wait for a commit go out together in the next
 * transaction (DeliveryLedger). Counted here where every statement passes, pg's `Client#query`,
 * on the ledger pool's connections only (its application_name): each COMMIT is a transaction,
 * and so is each write sent outside BEGIN … COMMIT.
 */
const LEDGER = 'notification-service-worker-ledger';
const ledgerTransactions: string[] = [];
const inTransaction = new WeakSet<object>();

/** Counts on the ledger's connections; installed for this suite only (other suites patch the same method). */
function countLedgerTransactions(original: typeof pg.Client.prototype.query): typeof pg.Client.prototype.query {
  return function (this: pg.Client, ...args: unknown[]) {
    const [first] = args as [string | { text: string }];
    const text = (typeof first === 'string' ? first : first.text).trim().toLowerCase();
    if ((this as unknown as { connectionParameters?: { application_name?: string } }).connectionParameters?.application_name === LEDGER) {
      if (text === 'begin') inTransaction.add(this);
      else if (text === 'commit' || text === 'rollback') {
        inTransaction.delete(this);
        ledgerTransactions.push(text);
      } else if (!inTransaction.has(this) && text.startsWith('with saved as')) ledgerTransactions.push('alone');
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
}

describe("worker: the delivery log's writes of a batch share transactions", function () {
  this.timeout(60_000);
  let mail: TestMailServer;
  let directory: TestDirectory;
  let sut: NotificationService;
  let query: typeof pg.Client.prototype.query | undefined;

  before(async () => {
    query = pg.Client.prototype.query;
    pg.Client.prototype.query = countLedgerTransactions(query);
    [mail, directory] = await Promise.all([TestMailServer.start(), TestDirectory.start()]);
    directory.customers.set('cust-ada', { name: 'Ada Lovelace', email: 'ada@example.com' });
    sut = await startNotificationService({ SMTP_URL: mail.url, CUSTOMER_DIRECTORY_URL: directory.url });
  });
  after(async () => {
    if (query) pg.Client.prototype.query = query;
    await sut?.close();
    await Promise.all([mail?.stop(), directory?.stop()]);
  });

  const logOf = async (orderId: string): Promise<NotificationBody[]> => (await call(sut.api.url, 'GET', `/notifications?orderId=${orderId}`)).body;

  it('eight orders confirmed at once: sixteen writes (a claim and a sent each; sixteen transactions when each goes alone), in at most twelve, and every mail sent once', async () => {
    const confirmations = Array.from({ length: 8 }, () => orderConfirmed('cust-ada'));
    for (const confirmed of confirmations) await publishOrderCreated(sut, confirmed.orderId, confirmed.customerId);
    await settled(sut);
    ledgerTransactions.length = 0;
    // one burst: the worker lingers for a batch (CONSUMER_FLUSH_WAIT_MS), whose deliveries run side by side
    await Promise.all(confirmations.map((confirmed) => publish(sut, 'orders.confirmed', confirmed, { accepted: false })));
    for (const { orderId } of confirmations) await waitFor(() => logOf(orderId), (log) => log[0]?.status === 'sent');
    await settled(sut);
    expect(mail.mails.filter((m) => confirmations.some((c) => m.subject.includes(c.orderId)))).to.have.length(8);
    expect(ledgerTransactions.filter((t) => t === 'rollback'), ledgerTransactions.join(' ')).to.deep.equal([]);
    // a claim commits before its send and the sent after it: two transactions at the very least
    expect(ledgerTransactions.length, ledgerTransactions.join(' ')).to.be.within(2, 12);
  });
});
