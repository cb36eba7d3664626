import { expect } from 'chai';
import pg from 'pg';
import { currentLogContext } from '@order-platform/shared';
import { TestDirectory } from '../../support/http-peers.js';
import { TestMailServer } from '../../support/mail-server.js';
import {
  call, orderConfirmed, publish, publishOrderCreated, settled, startNotificationService, waitFor, type NotificationBody, type NotificationService,
} from '../../support/notification-service.js';

/**
 * Round trips to Postgres are what the worker pays per order (issue 10: ~10 per order, the most
 * of any worker). Counted where every statement passes, pg's `Client#query`, BEGIN and COMMIT
 * included, on both of the worker's pools (the handlers' and the delivery log's); a statement is
 * the handlers' when it is sent inside a message's scope (its log context names the event), so
 * the batch's own statements (processed-messages insert, locks, commit) and the sweeps are not.
 */
const sent: Array<{ database: string | undefined; eventId: unknown; text: string }> = [];

/** pg's `Client#query`, recording what passes; installed for this suite only (other suites patch the same method). */
function recording(original: typeof pg.Client.prototype.query): typeof pg.Client.prototype.query {
  return function (this: pg.Client, ...args: unknown[]) {
    const [first] = args as [string | { text: string }];
    const text = typeof first === 'string' ? first : first.text;
    sent.push({ database: (this as unknown as { database?: string }).database, eventId: currentLogContext()?.['eventId'], text });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
}

describe('worker: what one order costs in round trips to Postgres', function () {
  this.timeout(30_000);
  let mail: TestMailServer;
  let directory: TestDirectory;
  let sut: NotificationService;
  let query: typeof pg.Client.prototype.query | undefined;

  before(async () => {
    query = pg.Client.prototype.query;
    pg.Client.prototype.query = recording(query);
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

  async function createdThenConfirmed(confirmed: ReturnType<typeof orderConfirmed>): Promise<{ createdId: string; confirmedId: string }> {
    const createdId = await publishOrderCreated(sut, confirmed.orderId, confirmed.customerId);
    await settled(sut);
    const confirmedId = await publish(sut, 'orders.confirmed', confirmed, { accepted: false });
    await waitFor(() => mail.mails.filter((m) => m.subject.includes(confirmed.orderId)), (found) => found.length === 1);
    await waitFor(() => logOf(confirmed.orderId), (log) => log[0]?.status === 'sent');
    await settled(sut);
    return { createdId, confirmedId };
  }

  it("orders.created then orders.confirmed, one email: the handlers send 6 statements (known order and held in one; the delivery's state in one; the claim; the send's record in its transaction)", async () => {
    // the first order opens the pools' connections (knex asks a new one for the server's version)
    await createdThenConfirmed(orderConfirmed('cust-ada'));
    sent.length = 0;
    const { createdId, confirmedId } = await createdThenConfirmed(orderConfirmed('cust-ada'));
    const handlers = sent.filter((s) => s.eventId === createdId || s.eventId === confirmedId);
    const listed = handlers.map((s) => `${s.database} ${s.eventId === createdId ? 'created  ' : 'confirmed'} ${s.text.replace(/\s+/g, ' ').slice(0, 90)}`).join('\n');
    expect(new Set(handlers.map((s) => s.database)), listed).to.have.property('size', 1);
    expect(handlers.filter((s) => s.eventId === createdId), listed).to.have.length(1);
    expect(handlers, listed).to.have.length(6);
  });
});
