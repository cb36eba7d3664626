import { expect } from 'chai';
import { BATCH_STATEMENT, listStatements, recordStatements, roundTrips, type RecordedStatement } from '@order-platform/shared/testing';
import { newOrderId, orderWithCard, publish, stockReserved } from '../../support/orders.js';
import { paymentWithStatus, settled, startPaymentService, type PaymentService } from '../../support/payment-service.js';

/**
 * Round trips to Postgres are what the worker costs per order under load (issue 10). Counted where
 * every statement passes, pg's `Client#query`: the statements the handlers send inside their
 * batches' transactions, and the simulated gateway's (on connections of its own). The batch's own
 * statements (BEGIN, the processed-messages insert, its locks, the outbox insert, COMMIT) are
 * shared by every message of a batch and are counted apart.
 */
/** The simulated gateway's statements: its pool commits on its own, outside the handlers' transactions. */
const gatewayStatement = (s: RecordedStatement): boolean => Boolean(s.application?.endsWith('-worker-gateway')) && !/^select version\(\)/i.test(s.text);

describe('charging an order costs the payment worker few round trips to Postgres', function () {
  this.timeout(60_000);
  let payments: PaymentService;
  let recorded: ReturnType<typeof recordStatements> | undefined;

  before(async () => {
    recorded = recordStatements();
    payments = await startPaymentService();
  });

  after(async () => {
    recorded?.restore();
    await payments?.close();
  });

  /** Publishes the order's two events one after the other, each once the first is recorded, until the payment is captured. */
  async function chargeCounted(first: 'orders.created' | 'stock.reserved') {
    const orderId = newOrderId();
    const order = await orderWithCard(payments, orderId, 'tok_ok');
    await settled(payments);
    recorded!.sent.length = 0;
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
    // `select version()`: knex asks it once of each new connection, not of each order
    const counted = recorded!.sent.filter((s) => (s.application?.endsWith('-worker-gateway') ? gatewayStatement(s) : s.transaction?.batch));
    const handlers = counted.filter((s) => !BATCH_STATEMENT.test(s.text));
    // the batch that charged: the one whose transaction saved the payment's outcome
    const charging = counted.find((s) => s.transaction && /payments set status = \$2/.test(s.text) && /^(with erased as|update payments)/.test(s.text))?.transaction;
    const chargingBatch = counted.filter((s) => charging && s.transaction === charging);
    // the batch that opened the payment (orders.created before stock.reserved)
    const opening = counted.find((s) => s.transaction && /^with opened as/.test(s.text))?.transaction;
    const openingBatch = counted.filter((s) => opening && s.transaction === opening);
    return { handlers, all: listStatements(counted), chargingBatch, openingBatch };
  }

  it('orders.created, then stock.reserved (tok_ok): at most five statements from the handlers and the gateway, besides what each batch sends itself', async () => {
    const { handlers, all } = await chargeCounted('orders.created');
    expect(handlers.length, all).to.be.at.most(5);
  });

  // stock.reserved's batch reads and locks its orders' payments right behind its own first
  // statement (its prefetch), and saves each charge settled on the way to the COMMIT, with the
  // batch's events (UnitOfWork.send): two round trips. The gateway's own statement goes on a
  // connection of its own.
  it('orders.created, then stock.reserved (tok_ok): the batch that charges costs its worker two round trips', async () => {
    const { chargingBatch } = await chargeCounted('orders.created');
    expect(chargingBatch, 'no batch saved the payment').to.not.be.empty;
    expect(roundTrips(chargingBatch), listStatements(chargingBatch)).to.equal(2);
  });

  // orders.created's batch locks and reads its orders' payments and payment methods behind its
  // own first statement, and the payment it opens goes with the COMMIT: two round trips.
  it('orders.created, then stock.reserved (tok_ok): the batch that opens the payment costs its worker two round trips', async () => {
    const { openingBatch } = await chargeCounted('orders.created');
    expect(openingBatch, 'no batch opened the payment').to.not.be.empty;
    expect(roundTrips(openingBatch), listStatements(openingBatch)).to.equal(2);
  });

  it('stock.reserved, then orders.created (tok_ok): at most five statements from the handlers and the gateway, besides what each batch sends itself', async () => {
    const { handlers, all } = await chargeCounted('stock.reserved');
    expect(handlers.length, all).to.be.at.most(5);
  });
});
