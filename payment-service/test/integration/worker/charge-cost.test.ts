import { expect } from 'chai';
import pg from 'pg';
import { newOrderId, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { paymentWithStatus, settled, startPaymentService, type PaymentService } from '../../support/payment-service.js';

/**
 * Round trips to Postgres are what the worker costs per order under load (issue 10). Counted where
 * every statement passes, pg's `Client#query`: the statements the handlers send inside their
 * batches' transactions, and the simulated gateway's (on connections of its own). The batch's own
 * statements (BEGIN, the processed-messages insert, its locks, the outbox insert, COMMIT) are
 * shared by every message of a batch and are counted apart.
 */
// the batch's own: BEGIN, the processed insert (which takes the batch's locks), the outbox insert, COMMIT
const BATCH_STATEMENT = /^(begin|commit|rollback|with fresh as \( insert into processed_messages|insert into outbox)/i;

interface Transaction {
  /** a handler batch: its transaction records the messages it handles */
  batch: boolean;
}
interface Sent {
  text: string;
  /** the transaction it was sent in; none for the gateway's statements, which commit on their own */
  transaction?: Transaction;
}
const sent: Sent[] = [];
const open = new WeakMap<object, Transaction>();
const query = pg.Client.prototype.query;

/** Records every statement sent from now on, until `query` is put back. */
function countStatements(): void {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first] = args as [string | { text: string }];
    const text = (typeof first === 'string' ? first : first.text).replace(/\s+/g, ' ').trim();
    const appName = (this as unknown as { connectionParameters?: { application_name?: string } }).connectionParameters?.application_name;
    if (appName?.endsWith('-worker-gateway')) {
      // `select version()`: knex asks it once of each new connection, not of each order
      if (!/^select version\(\)/i.test(text)) sent.push({ text });
    } else {
      if (/^begin/i.test(text)) open.set(this, { batch: false });
      const transaction = open.get(this);
      if (transaction) {
        if (text.includes('insert into processed_messages')) transaction.batch = true;
        sent.push({ text, transaction });
        if (/^(commit|rollback)/i.test(text)) open.delete(this);
      }
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
}

describe('charging an order costs the payment worker few round trips to Postgres', function () {
  this.timeout(60_000);
  let payments: PaymentService;

  before(async () => {
    countStatements();
    payments = await startPaymentService();
  });

  after(async () => {
    pg.Client.prototype.query = query;
    await payments?.close();
  });

  /** Publishes the order's two events one after the other, each once the first is recorded, until the payment is captured. */
  async function chargeCounted(first: 'orders.created' | 'stock.reserved') {
    const orderId = newOrderId();
    const order = await orderWithCard(payments, orderId, 'tok_ok');
    await settled(payments);
    sent.length = 0;
    if (first === 'orders.created') {
      await publish(payments, 'orders.created', order);
      await paymentWithStatus(payments, orderId, 'pending');
      await publish(payments, 'stock.reserved', stockReserved(orderId));
    } else {
      await publish(payments, 'stock.reserved', stockReserved(orderId));
      await paymentWithStatus(payments, orderId, 'awaiting_order');
      await publish(payments, 'orders.created', order);
    }
    await paymentWithStatus(payments, orderId, 'captured');
    await settled(payments);
    const counted = sent.filter((s) => !s.transaction || s.transaction.batch);
    const handlers = counted.filter((s) => !BATCH_STATEMENT.test(s.text));
    return { handlers, all: counted.map((s) => `${BATCH_STATEMENT.test(s.text) ? '(batch) ' : ''}${s.text.slice(0, 100)}`) };
  }

  it('orders.created, then stock.reserved (tok_ok): at most five statements from the handlers and the gateway, besides what each batch sends itself', async () => {
    const { handlers, all } = await chargeCounted('orders.created');
    expect(handlers.length, all.join('\n')).to.be.at.most(5);
  });

  it('stock.reserved, then orders.created (tok_ok): at most five statements from the handlers and the gateway, besides what each batch sends itself', async () => {
    const { handlers, all } = await chargeCounted('stock.reserved');
    expect(handlers.length, all.join('\n')).to.be.at.most(5);
  });
});
