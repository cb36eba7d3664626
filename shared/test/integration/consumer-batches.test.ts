import { expect } from 'chai';
import { jetstream } from '@nats-io/jetstream';
import { AppError, ConsumerRunner, declareConsumer, envelopeHeaders, Outbox, subscribe, type EventHandler, type LockKey } from '../../src/index.js';
import { eventually, readStream } from '../../src/testing/index.js';
import { messagingFixture, settled as settledConsumer, silentLog, type MessagingFixture } from '../support/messaging.js';

const consumer = declareConsumer('test-service', 'stock.product-changed', { maxAttempts: 3, ackWaitMs: 5000 });
const mirrored = declareConsumer('mirror-service', 'stock.product-changed', { maxAttempts: 3, ackWaitMs: 5000 });
const encoder = new TextEncoder();

function productChanged(sku: string, version = 1) {
  return { sku, name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, active: true, version, changedAt: new Date().toISOString() };
}

/** A handler's call: which event, in which transaction, on which delivery. */
interface Call {
  sku: string;
  version: number;
  txid: string;
  delivery: number;
}

/** A lock per sku: messages of different skus run side by side in a batch, those of one sku in delivery order. */
const skuLock = (event: { data: { sku: string } }): LockKey[] => [{ space: 11, key: event.data.sku }];

for (const lanes of [false, true])
describe(`batched consumer: one transaction per batch, one outcome per message (${lanes ? 'a lock per sku: lanes side by side' : 'no locks: one message after another'})`, () => {
  let f: MessagingFixture;
  let runner: ConsumerRunner | undefined;
  const calls: Call[] = [];

  async function setUp(): Promise<void> {
    calls.length = 0;
    f = await messagingFixture('batches', [consumer, mirrored]);
    await f.db.schema.createTable('applied', (t) => {
      t.text('sku').notNullable();
      t.integer('version').notNullable();
      t.text('txid').notNullable();
      t.integer('delivery').notNullable();
    });
    await f.db.schema.createTable('product_log', (t) => {
      t.text('sku').primary();
      t.text('versions').notNullable();
    });
  }

  beforeEach(setUp);

  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    await f.close();
  });

  /** Starts the runner once everything is published, so the first pull delivers it all and one batch takes it. */
  function run(handle: EventHandler<'stock.product-changed'>, batchSize = 50): void {
    runner = new ConsumerRunner({
      service: 'test-service',
      db: f.db,
      nc: f.nc,
      topology: f.topology,
      outbox: new Outbox('/test-service'),
      log: silentLog,
      subscriptions: [subscribe(consumer, handle, lanes ? { locks: skuLock } : {})],
      retry: { baseDelayMs: 200, maxDelayMs: 1000 },
      batchSize,
      // a pull's messages can arrive in several reads: let the first batch wait for all of them
      flushWaitMs: 100,
    });
    runner.start();
  }

  /** Records the call, writes a row and an event; then, for the skus named, fails after writing. */
  function handler(fail: Record<string, (delivery: number) => Error | undefined> = {}): EventHandler<'stock.product-changed'> {
    return async (event, { trx, outbox, delivery }) => {
      const { sku, version } = event.data;
      const [row] = (await trx.raw<{ rows: Array<{ txid: string }> }>('select txid_current()::text as txid')).rows;
      calls.push({ sku, version, txid: row!.txid, delivery });
      await trx('applied').insert({ sku, version, txid: row!.txid, delivery });
      await outbox.add('stock.low', { subject: sku, data: { sku, name: 'x', available: version, threshold: 1, detectedAt: new Date().toISOString() } });
      const error = fail[sku]?.(delivery);
      if (error) throw error;
    };
  }

  async function publish(data: unknown, options: { id?: string; msgId?: string } = {}): Promise<string> {
    const id = options.id ?? crypto.randomUUID();
    const headers = envelopeHeaders({ id, type: 'stock.product-changed', source: '/stock-service', subject: 'sku', time: new Date().toISOString() });
    if (options.msgId) headers.set('Nats-Msg-Id', options.msgId);
    await jetstream(f.nc).publish(f.topology.subject('stock.product-changed'), encoder.encode(JSON.stringify(data)), { headers });
    return id;
  }

  const settled = (): Promise<void> => settledConsumer(f, consumer, 10_000);

  async function applied(): Promise<string[]> {
    return (await f.db('applied').orderBy('sku').select('sku')).map((r: { sku: string }) => r.sku);
  }

  async function outboxSubjects(): Promise<string[]> {
    return (await f.db('outbox').orderBy('subject').select('subject')).map((r: { subject: string }) => r.subject);
  }

  /** The transactions that committed these skus' writes. */
  async function transactionsOf(skus: string[]): Promise<Set<string>> {
    const rows = (await f.db('applied').whereIn('sku', skus).select('txid')) as Array<{ txid: string }>;
    return new Set(rows.map((r) => r.txid));
  }

  async function committedDeliveries(skus: string[]): Promise<number[]> {
    return ((await f.db('applied').whereIn('sku', skus).orderBy('sku').select('delivery')) as Array<{ delivery: number }>).map((r) => r.delivery);
  }

  it('handles what one pull delivers in one transaction, events included', async () => {
    const skus = Array.from({ length: 20 }, (_, i) => `S${String(i).padStart(2, '0')}`);
    for (const sku of skus) await publish(productChanged(sku));
    run(handler());
    await settled();
    expect(await applied()).to.deep.equal(skus);
    expect(await outboxSubjects()).to.deep.equal(skus);
    expect((await transactionsOf(skus)).size, 'transactions for 20 messages').to.equal(1);
    expect(calls.map((c) => c.sku), 'delivery order').to.deep.equal(skus);
  });

  it('dead-letters poison messages inside a batch alone; the rest commit, their writes and events do not', async () => {
    // the first fails the optimistic pass; the second fails again in the pass with savepoints
    const skus = ['A', 'B', 'POISON', 'C', 'POISON2', 'D'];
    const ids: Record<string, string> = {};
    for (const sku of skus) ids[sku] = await publish(productChanged(sku));
    await publish({ sku: 'not a product' }); // schema-invalid: never reaches a handler
    const poison = () => new AppError('unprocessable', 'no such product line');
    run(handler({ POISON: poison, POISON2: poison }));
    await settled();
    expect(await applied()).to.deep.equal(['A', 'B', 'C', 'D']);
    expect(await outboxSubjects()).to.deep.equal(['A', 'B', 'C', 'D']);
    expect((await transactionsOf(skus)).size, 'one transaction').to.equal(1);
    const dead = await readStream(f.nc, f.topology.stream('DLQ'));
    expect(dead.map((m) => m.headers['dlq-error-kind']).sort()).to.deep.equal(['bad_request', 'unprocessable', 'unprocessable']);
    expect(dead.filter((m) => m.headers['dlq-error-kind'] === 'unprocessable').map((m) => m.headers['ce-id'])).to.have.members([ids['POISON'], ids['POISON2']]);
    const processed = (await f.db('processed_messages').select('message_id')).map((r: { message_id: string }) => r.message_id);
    expect(processed).to.have.members(['A', 'B', 'C', 'D'].map((sku) => ids[sku]));
    const poisonCalls = calls.filter((c) => c.sku.startsWith('POISON')).map((c) => c.sku);
    // side by side, both may fail in the first pass; only the first is blamed, the other runs again with savepoints
    if (lanes) expect(poisonCalls.length, 'each poison handled once, one of them twice at most').to.be.within(2, 3);
    else expect(poisonCalls, 'each poison handled once').to.deep.equal(['POISON', 'POISON2']);
  });

  it('retries a transient failure inside a batch alone: the others are applied once, on their first delivery', async () => {
    const skus = ['A', 'FLAKY', 'B', 'C'];
    for (const sku of skus) await publish(productChanged(sku));
    run(handler({ FLAKY: (delivery) => (delivery === 1 ? new AppError('transient', 'database hiccup') : undefined) }));
    await eventually(async () => expect(await applied()).to.deep.equal(['A', 'B', 'C', 'FLAKY']), { timeoutMs: 10_000 });
    await settled();
    expect((await transactionsOf(['A', 'B', 'C'])).size, 'first batch').to.equal(1);
    expect(await committedDeliveries(['A', 'B', 'C']), 'the others: applied on their first delivery').to.deep.equal([1, 1, 1]);
    expect(await committedDeliveries(['FLAKY'])).to.deep.equal([2]);
    expect(calls.filter((c) => c.sku === 'FLAKY').map((c) => c.delivery)).to.deep.equal([1, 2]);
    expect(await outboxSubjects()).to.deep.equal(['A', 'B', 'C', 'FLAKY']);
    expect(await readStream(f.nc, f.topology.stream('DLQ'))).to.have.length(0);
  });

  it('applies a message delivered several times inside one batch once, and acknowledges every copy', async () => {
    const id = await publish(productChanged('TWICE'));
    await publish(productChanged('A'));
    await publish(productChanged('TWICE'), { id, msgId: `${id}-again` });
    await publish(productChanged('TWICE'), { id, msgId: `${id}-third` });
    run(handler());
    await settled();
    expect(await applied()).to.deep.equal(['A', 'TWICE']);
    expect(await outboxSubjects()).to.deep.equal(['A', 'TWICE']);
    expect((await transactionsOf(['A', 'TWICE'])).size, 'one transaction').to.equal(1);
  });

  it('gives two events of one row in one batch the final state of handling them one at a time', async () => {
    const appendVersion: EventHandler<'stock.product-changed'> = async (event, context) => {
      await handler()(event, context);
      // the result depends on the order: only delivery order gives "1,2,3,4,5"
      await context.trx.raw(
        `insert into product_log (sku, versions) values (?, ?) on conflict (sku) do update set versions = product_log.versions || ',' || excluded.versions`,
        [event.data.sku, String(event.data.version)],
      );
    };
    const finalLog = async () => (await f.db('product_log').orderBy('sku').select('sku', 'versions')) as Array<{ sku: string; versions: string }>;
    const publishAll = async () => {
      for (const version of [1, 2, 3, 4, 5]) {
        await publish(productChanged('X', version));
        await publish(productChanged('Y', version));
      }
    };
    await publishAll();
    run(appendVersion);
    await settled();
    const batched = await finalLog();
    expect((await transactionsOf(['X', 'Y'])).size, 'one transaction').to.equal(1);

    // the same events on a fresh system, one message per transaction
    await runner!.stop();
    runner = undefined;
    await f.close();
    await setUp();
    await publishAll();
    run(appendVersion, 1);
    await settled();
    expect((await transactionsOf(['X', 'Y'])).size, 'one transaction each').to.equal(10);
    expect(await finalLog()).to.deep.equal(batched);
    expect(batched).to.deep.equal([{ sku: 'X', versions: '1,2,3,4,5' }, { sku: 'Y', versions: '1,2,3,4,5' }]);
  });

  it('takes the locks a batch declares first, in one order, so batches locking the same rows in opposite orders do not deadlock', async () => {
    await f.db.schema.createTable('shelf', (t) => {
      t.text('sku').primary();
      t.integer('touched').notNullable();
    });
    await f.db('shelf').insert([{ sku: 'X', touched: 0 }, { sku: 'Y', touched: 0 }]);
    // the second consumer's handler touches the other row: its batch locks Y then X, the first's X then Y
    const swap: Record<string, string> = { X: 'Y', Y: 'X' };
    const failures: string[] = [];
    const touch = (rowOf: (sku: string) => string): EventHandler<'stock.product-changed'> => async (event, { trx, delivery }) => {
      if (delivery > 1) failures.push(`${event.data.sku} delivered ${delivery} times`);
      await trx.raw('select touched from shelf where sku = ? for update', [rowOf(event.data.sku)]);
      await trx.raw('select pg_sleep(0.3)'); // both batches hold their first row now
      await trx.raw('update shelf set touched = touched + 1 where sku = ?', [rowOf(event.data.sku)]);
    };
    const shelfLock = (rowOf: (sku: string) => string) => (event: { data: { sku: string } }): LockKey[] => [{ space: 7, key: rowOf(event.data.sku) }];
    const same = (sku: string) => sku;
    const other = (sku: string) => swap[sku]!;
    await publish(productChanged('X'));
    await publish(productChanged('Y'));
    const runners = [
      { declared: consumer, handle: touch(same), locks: shelfLock(same) },
      { declared: mirrored, handle: touch(other), locks: shelfLock(other) },
    ].map(({ declared, handle, locks }) => {
      const r = new ConsumerRunner({
        service: 'test-service', db: f.db, nc: f.nc, topology: f.topology, outbox: new Outbox('/test-service'), log: silentLog,
        subscriptions: [subscribe(declared, handle, { locks })], retry: { baseDelayMs: 200, maxDelayMs: 1000 }, flushWaitMs: 100,
      });
      r.start();
      return r;
    });
    try {
      await eventually(async () => expect(Number((await f.db('shelf').sum({ n: 'touched' }))[0]!.n)).to.equal(4), { timeoutMs: 15_000 });
    } finally {
      for (const r of runners) await r.stop();
    }
    expect(failures, 'redeliveries (a deadlock fails a batch and retries it)').to.deep.equal([]);
  });
});
