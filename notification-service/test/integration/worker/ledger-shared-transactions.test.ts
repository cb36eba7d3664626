import { expect } from 'chai';
import { recordStatements, type RecordedStatement, type RecordedTransaction } from '@order-platform/shared/testing';
import { TestDirectory } from '../../support/http-peers.js';
import { TestMailServer } from '../../support/mail-server.js';
import { call, orderConfirmed, publish, publishOrderCreated, settled, startNotificationService, waitFor, type NotificationBody, type NotificationService } from '../../support/notification-service.js';

/**
 * The delivery log's writes (a claim before each send, its outcome after) are committed apart
 * from the handlers' transaction, on the ledger's own pool. A batch's deliveries run side by
 * side, so their writes meet: those that wait for a commit go out together in the next
 * transaction (DeliveryLedger). Counted where every statement passes (`recordStatements`), on
 * the ledger pool's connections only (its application_name): each BEGIN … COMMIT is a
 * transaction, and so is each write sent outside one.
 */
const LEDGER = 'notification-service-worker-ledger';

/** The ledger's transactions among `sent`: each BEGIN … COMMIT once, and each write sent outside one. */
function ledgerTransactions(sent: readonly RecordedStatement[]): string[] {
  const seen = new Set<RecordedTransaction>();
  const found: string[] = [];
  for (const statement of sent.filter((s) => s.application === LEDGER)) {
    if (!statement.transaction && statement.text.startsWith('with saved as')) found.push('alone');
    else if (statement.transaction && !seen.has(statement.transaction)) {
      seen.add(statement.transaction);
      found.push('transaction');
    }
  }
  return found;
}

describe("worker: the delivery log's writes of a batch share transactions", function () {
  this.timeout(60_000);
  let mail: TestMailServer;
  let directory: TestDirectory;
  let sut: NotificationService;
  let recorded: ReturnType<typeof recordStatements> | undefined;

  before(async () => {
    recorded = recordStatements();
    [mail, directory] = await Promise.all([TestMailServer.start(), TestDirectory.start()]);
    directory.customers.set('cust-ada', { name: 'Ada Lovelace', email: 'ada@example.com' });
    sut = await startNotificationService({ SMTP_URL: mail.url, CUSTOMER_DIRECTORY_URL: directory.url });
  });
  after(async () => {
    recorded?.restore();
    await sut?.close();
    await Promise.all([mail?.stop(), directory?.stop()]);
  });

  const logOf = async (orderId: string): Promise<NotificationBody[]> => (await call(sut.api.url, 'GET', `/notifications?orderId=${orderId}`)).body;

  it('eight orders confirmed at once: sixteen writes (a claim and a sent each; sixteen transactions when each goes alone), in at most twelve, and every mail sent once', async () => {
    const confirmations = Array.from({ length: 8 }, () => orderConfirmed('cust-ada'));
    for (const confirmed of confirmations) await publishOrderCreated(sut, confirmed.orderId, confirmed.customerId);
    await settled(sut);
    recorded!.sent.length = 0;
    // one burst: the worker lingers for a batch (CONSUMER_FLUSH_WAIT_MS), whose deliveries run side by side
    await Promise.all(confirmations.map((confirmed) => publish(sut, 'orders.confirmed', confirmed, { accepted: false })));
    for (const { orderId } of confirmations) await waitFor(() => logOf(orderId), (log) => log[0]?.status === 'sent');
    await settled(sut);
    expect(mail.mails.filter((m) => confirmations.some((c) => m.subject.includes(c.orderId)))).to.have.length(8);
    expect(recorded!.sent.filter((s) => s.application === LEDGER && /^rollback/i.test(s.text))).to.deep.equal([]);
    // a claim commits before its send and the sent after it: two transactions at the very least
    const transactions = ledgerTransactions(recorded!.sent);
    expect(transactions.length, transactions.join(' ')).to.be.within(2, 12);
  });
});
