import { expect } from 'chai';
import { jetstream } from '@nats-io/jetstream';
import { ConsumerRunner, createDb, declareConsumer, envelopeHeaders, Outbox, subscribe, type Knex } from '../../src/index.js';
import { eventually, sleep } from '../../src/testing/index.js';
import { messagingFixture, silentLog, type MessagingFixture } from '../support/messaging.js';

const consumer = declareConsumer('test-service', 'stock.product-changed', { maxAttempts: 5, ackWaitMs: 5000 });

// A database restart can take the connection between a batch's last handler and its COMMIT.
// knex's commit() resolves even then (only the transaction's promise rejects): the batch must
// count as failed, not be acked with nothing committed.
describe('a batch whose COMMIT is lost with its connection', () => {
  let f: MessagingFixture;
  let admin: Knex;
  let runner: ConsumerRunner | undefined;

  before(async () => {
    f = await messagingFixture('lostcommit', [consumer]);
    await f.db.schema.createTable('applied', (t) => t.text('sku').notNullable());
    admin = createDb(f.database.url, { poolMax: 1 });
  });

  after(async () => {
    await runner?.stop();
    await admin.destroy();
    await f.close();
  });

  it('is retried, not acked: its message is applied once, on a later delivery', async () => {
    const deliveries: number[] = [];
    runner = new ConsumerRunner({
      service: 'test-service', db: f.db, nc: f.nc, topology: f.topology, outbox: new Outbox('/test-service'), log: silentLog,
      retry: { baseDelayMs: 100, maxDelayMs: 200 },
      subscriptions: [
        subscribe(consumer, async (event, { trx, delivery }) => {
          deliveries.push(delivery);
          await trx('applied').insert({ sku: event.data.sku });
          if (delivery === 1) {
            // the connection goes away after the handler's work, before the batch commits it
            const [{ pid }] = (await trx.raw<{ rows: { pid: number }[] }>('select pg_backend_pid() as pid')).rows;
            await admin.raw('select pg_terminate_backend(?)', [pid]);
            await sleep(100);
          }
        }),
      ],
    });
    runner.start();
    const headers = envelopeHeaders({ id: crypto.randomUUID(), type: 'stock.product-changed', source: '/stock-service', subject: 'sku', time: new Date().toISOString() });
    const data = { sku: 'LOST-1', name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, active: true, version: 1, changedAt: new Date().toISOString() };
    await jetstream(f.nc).publish(f.topology.subject('stock.product-changed'), new TextEncoder().encode(JSON.stringify(data)), { headers });
    await eventually(async () => expect(await f.db('applied').select('sku')).to.deep.equal([{ sku: 'LOST-1' }]), { timeoutMs: 15_000 });
    expect(deliveries[0]).to.equal(1);
    expect(deliveries.length).to.be.greaterThan(1);
  });
});
