import { expect } from 'chai';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { AppError, ConsumerRunner, declareConsumer, envelopeHeaders, Outbox, subscribe, type EventHandler, type ExhaustedHandler } from '../../src/index.js';
import { eventually, readStream, sleep } from '../../src/testing/index.js';
import { messagingFixture, silentLog, type MessagingFixture } from '../support/messaging.js';

const consumer = declareConsumer('test-service', 'stock.product-changed', { maxAttempts: 3, ackWaitMs: 5000 });
const encoder = new TextEncoder();

function productChanged(sku: string, version = 1) {
  return { sku, name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, active: true, version, changedAt: new Date().toISOString() };
}

describe('idempotent consumer runner', () => {
  let f: MessagingFixture;
  let runner: ConsumerRunner | undefined;
  const calls: string[] = [];

  beforeEach(async () => {
    calls.length = 0;
    f = await messagingFixture('consumer', [consumer]);
    await f.db.schema.createTable('applied', (t) => {
      t.text('sku').notNullable();
    });
  });

  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    await f.close();
  });

  function run(handle: EventHandler<'stock.product-changed'>, onExhausted?: ExhaustedHandler<'stock.product-changed'>): void {
    runner = new ConsumerRunner({
      service: 'test-service',
      db: f.db,
      nc: f.nc,
      topology: f.topology,
      outbox: new Outbox('/test-service'),
      log: silentLog,
      subscriptions: [subscribe(consumer, handle, { onExhausted })],
      retry: { baseDelayMs: 200, maxDelayMs: 1000 },
    });
    runner.start();
  }

  const applySku: EventHandler<'stock.product-changed'> = async (event, { trx }) => {
    calls.push(event.data.sku);
    await trx('applied').insert({ sku: event.data.sku });
  };

  /** Publishes an event as the relay would; `msgId` lets a test bypass JetStream's dedup to simulate a redelivery. */
  async function publish(data: unknown, options: { id?: string; msgId?: string; source?: string } = {}): Promise<string> {
    const id = options.id ?? crypto.randomUUID();
    const headers = envelopeHeaders({ id, type: 'stock.product-changed', source: options.source ?? '/stock-service', subject: 'sku', time: new Date().toISOString() });
    if (options.msgId) headers.set('Nats-Msg-Id', options.msgId);
    await jetstream(f.nc).publish(f.topology.subject('stock.product-changed'), encoder.encode(JSON.stringify(data)), { headers });
    return id;
  }

  async function applied(): Promise<string[]> {
    return (await f.db('applied').select('sku')).map((r: { sku: string }) => r.sku);
  }

  async function consumerInfo() {
    const jsm = await jetstreamManager(f.nc);
    return jsm.consumers.info(f.topology.stream('STOCK'), consumer.durable);
  }

  it('applies a message delivered twice only once, and acknowledges both', async () => {
    run(applySku);
    const id = await publish(productChanged('A'));
    await publish(productChanged('A'), { id, msgId: `${id}-again` });
    await eventually(async () => expect((await consumerInfo()).num_ack_pending + (await consumerInfo()).num_pending).to.equal(0));
    await eventually(async () => expect((await consumerInfo()).delivered.consumer_seq).to.equal(2));
    expect(await applied()).to.deep.equal(['A']);
    const processed = await f.db('processed_messages').where({ consumer: consumer.durable });
    expect(processed.map((r: { message_id: string }) => r.message_id)).to.deep.equal([id]);
  });

  it('reports a batch that outlasts ack_wait as in progress: its message is delivered once, and the server\'s ack_wait is the one it keeps to', async () => {
    // shorter on the server than declared (5 s), as an operator may set it
    const jsm = await jetstreamManager(f.nc);
    await jsm.consumers.update(f.topology.stream('STOCK'), consumer.durable, { ack_wait: nanos(1000) });
    const deliveries: number[] = [];
    run(async (event, context) => {
      deliveries.push(context.delivery);
      await sleep(3500);
      await applySku(event, context);
    });
    await publish(productChanged('H'));
    await eventually(async () => expect(await applied()).to.deep.equal(['H']), { timeoutMs: 10_000 });
    await eventually(async () => expect((await consumerInfo()).num_ack_pending).to.equal(0));
    const info = await consumerInfo();
    expect(info.delivered.consumer_seq, 'deliveries').to.equal(1);
    expect(info.num_redelivered).to.equal(0);
    expect(deliveries).to.deep.equal([1]);
  });

  it('retries a transient failure with growing delay, then applies it once', async () => {
    const attempts: number[] = [];
    run(async (event, context) => {
      attempts.push(Date.now());
      if (attempts.length < 3) throw new AppError('transient', 'database hiccup');
      await applySku(event, context);
    });
    await publish(productChanged('B'));
    await eventually(async () => expect(await applied()).to.deep.equal(['B']), { timeoutMs: 10_000 });
    expect(attempts).to.have.length(3);
    const firstDelay = attempts[1]! - attempts[0]!;
    const secondDelay = attempts[2]! - attempts[1]!;
    expect(firstDelay, 'first retry delay').to.be.at.least(150);
    expect(secondDelay, 'second retry delay').to.be.greaterThan(firstDelay);
    expect(await readStream(f.nc, f.topology.stream('DLQ'))).to.have.length(0);
  });

  it('dead-letters a schema-invalid message with its error, without calling the handler or retrying', async () => {
    run(applySku);
    const bad = { ...productChanged('C'), price: { amount: 12.5, currency: 'euro' } };
    const id = await publish(bad);
    const dlq = await eventually(async () => {
      const messages = await readStream(f.nc, f.topology.stream('DLQ'));
      expect(messages).to.have.length(1);
      return messages[0]!;
    });
    expect(dlq.subject).to.equal(f.topology.dlqSubject('test-service', consumer.durable));
    expect(dlq.headers['ce-id']).to.equal(id);
    expect(dlq.headers['dlq-error']).to.match(/payload is invalid.*price/);
    expect(dlq.headers['dlq-error-kind']).to.equal('bad_request');
    expect(dlq.headers['dlq-original-subject']).to.equal(f.topology.subject('stock.product-changed'));
    expect(dlq.headers['dlq-delivery-count']).to.equal('1');
    expect(dlq.data).to.deep.equal(bad);
    await eventually(async () => expect((await consumerInfo()).num_ack_pending, 'terminated').to.equal(0));
    const info = await consumerInfo();
    expect(info.num_redelivered, 'redeliveries').to.equal(0);
    expect(info.num_ack_pending).to.equal(0);
    expect(calls).to.deep.equal([]);
  });

  it('dead-letters an event whose ce-source is not its owner, without calling the handler or retrying', async () => {
    run(applySku);
    const id = await publish(productChanged('G'), { source: '/payment-service' });
    const dlq = await eventually(async () => {
      const messages = await readStream(f.nc, f.topology.stream('DLQ'));
      expect(messages).to.have.length(1);
      return messages[0]!;
    });
    expect(dlq.headers['ce-id']).to.equal(id);
    expect(dlq.headers['dlq-error']).to.equal('ce-source /payment-service is not the owner of stock.product-changed');
    expect(dlq.headers['dlq-error-kind']).to.equal('bad_request');
    expect(dlq.headers['dlq-delivery-count']).to.equal('1');
    await publish(productChanged('H'));
    await eventually(async () => expect(await applied()).to.deep.equal(['H']));
    const info = await consumerInfo();
    expect(info.num_redelivered, 'redeliveries').to.equal(0);
    expect(calls).to.deep.equal(['H']);
    expect(await f.db('processed_messages').where({ message_id: id })).to.deep.equal([]);
  });

  it('dead-letters a permanent error at once', async () => {
    let attempts = 0;
    run(async () => {
      attempts++;
      throw new AppError('unprocessable', 'no such product line');
    });
    await publish(productChanged('D'));
    await eventually(async () => expect(await readStream(f.nc, f.topology.stream('DLQ'))).to.have.length(1));
    await eventually(async () => expect((await consumerInfo()).num_ack_pending, 'terminated').to.equal(0));
    expect(attempts).to.equal(1);
  });

  it('dead-letters after the last attempt and runs the on-exhausted hook once, which can emit a failure event', async () => {
    let attempts = 0;
    const hooks: string[] = [];
    run(
      async () => {
        attempts++;
        throw new Error('gateway unavailable');
      },
      async (event, { outbox, error }) => {
        hooks.push((error as Error).message);
        await outbox.add('stock.low', { subject: event.data.sku, data: { sku: event.data.sku, name: 'x', available: 0, threshold: 1, detectedAt: new Date().toISOString() } });
      },
    );
    await publish(productChanged('E'));
    const dlq = await eventually(async () => {
      const messages = await readStream(f.nc, f.topology.stream('DLQ'));
      expect(messages).to.have.length(1);
      return messages[0]!;
    }, { timeoutMs: 10_000 });
    expect(dlq.headers['dlq-delivery-count']).to.equal(String(consumer.maxAttempts));
    expect(dlq.headers['dlq-error']).to.equal('gateway unavailable');
    expect(attempts).to.equal(consumer.maxAttempts);
    // the dead letter is written first, then the hook runs
    await eventually(async () => expect(await f.db('outbox').select('type', 'subject')).to.deep.equal([{ type: 'stock.low', subject: 'E' }]));
    await eventually(async () => expect((await consumerInfo()).num_ack_pending, 'terminated').to.equal(0));
    expect(hooks).to.deep.equal(['gateway unavailable']);
  });

  it('finishes the message in flight before stop() returns', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    run(async (event, context) => {
      started = true;
      await gate;
      await applySku(event, context);
    });
    await publish(productChanged('F'));
    // in the handler, not only delivered: a message delivered but not begun when stop() comes is handed back
    await eventually(async () => expect(started).to.equal(true));
    const stopping = runner!.stop();
    runner = undefined;
    await sleep(100); // bounded: stop() is not to return while the handler is held
    release();
    await stopping;
    expect(await applied()).to.deep.equal(['F']);
    await eventually(async () => expect((await consumerInfo()).num_ack_pending).to.equal(0));
  });
});
