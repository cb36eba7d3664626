import { expect } from 'chai';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { ConsumerRunner, createExhaustedTable, declareConsumer, envelopeHeaders, Outbox, subscribe } from '../../src/index.js';
import { eventually, readStream, sleep } from '../../src/testing/index.js';
import { messagingFixture, silentLog, type MessagingFixture } from '../support/messaging.js';

const ACK_WAIT_MS = 1000;
const consumer = declareConsumer('test-service', 'stock.product-changed', { maxAttempts: 2, ackWaitMs: ACK_WAIT_MS });

// A message applied once whose acks were all lost (the worker killed after its commit, NATS
// restarted) comes back more often than the consumer's attempts. It was not a failure: it is
// acknowledged as a duplicate, never dead-lettered, and its on-exhausted hook never runs.
describe('a message delivered more often than its attempts', function () {
  this.timeout(60_000);
  let f: MessagingFixture;
  let runner: ConsumerRunner | undefined;

  beforeEach(async () => {
    f = await messagingFixture('overdelivered', [consumer]);
    await createExhaustedTable(f.db);
  });

  afterEach(async () => {
    await runner?.stop();
    await f.close();
  });

  /** Publishes one event, then takes it `times` times from the durable without acking, as dying workers would. */
  async function deliverUnacked(times: number): Promise<string> {
    const id = crypto.randomUUID();
    const data = { sku: 'OVER-1', name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, active: true, version: 1, changedAt: new Date().toISOString() };
    const headers = envelopeHeaders({ id, type: 'stock.product-changed', source: '/stock-service', subject: 'OVER-1', time: new Date().toISOString() });
    const js = jetstream(f.nc);
    await js.publish(f.topology.subject('stock.product-changed'), JSON.stringify(data), { headers });
    const pull = await js.consumers.get(f.topology.stream('STOCK'), consumer.durable);
    for (let i = 1; i <= times; i++) {
      const message = await pull.next({ expires: 5000 });
      expect(message?.info.deliveryCount, 'delivery').to.equal(i);
      await sleep(ACK_WAIT_MS + 200); // no ack: the server redelivers after ack_wait
    }
    return id;
  }

  function run(hookCalls: string[]): void {
    runner = new ConsumerRunner({
      service: 'test-service', db: f.db, nc: f.nc, topology: f.topology, outbox: new Outbox('/test-service'), log: silentLog,
      subscriptions: [subscribe(consumer, async () => undefined, { onExhausted: async (event) => void hookCalls.push(event.id) })],
      retry: { baseDelayMs: 100, maxDelayMs: 200 },
    });
    runner.start();
  }

  it('is acknowledged as a duplicate when it was applied before', async () => {
    const id = await deliverUnacked(2);
    // delivery 1 or 2 committed its work; only the acks were lost
    await f.db('processed_messages').insert({ consumer: consumer.durable, message_id: id });
    const hookCalls: string[] = [];
    run(hookCalls);
    await eventually(async () => {
      const info = await (await jetstreamManager(f.nc)).consumers.info(f.topology.stream('STOCK'), consumer.durable);
      expect(info.num_ack_pending + info.num_pending, 'unsettled').to.equal(0);
    });
    expect(await readStream(f.nc, f.topology.stream('DLQ')), 'dead letters').to.have.length(0);
    expect(hookCalls, 'on-exhausted hook runs').to.deep.equal([]);
  });

  it('is dead-lettered, and its hook run, when it never was', async () => {
    const id = await deliverUnacked(2);
    const hookCalls: string[] = [];
    run(hookCalls);
    await eventually(async () => expect(await readStream(f.nc, f.topology.stream('DLQ')), 'dead letters').to.have.length(1));
    await eventually(async () => expect(hookCalls).to.deep.equal([id]));
  });
});
