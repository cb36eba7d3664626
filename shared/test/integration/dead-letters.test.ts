import { expect } from 'chai';
import { AppError, ConsumerRunner, declareConsumer, listDeadLetters, Outbox, replayDeadLetter, subscribe } from '../../src/index.js';
import { eventually, publishEvent, readStream } from '../../src/testing/index.js';
import { messagingFixture, silentLog, type MessagingFixture } from '../support/messaging.js';

const consumer = declareConsumer('test-service', 'stock.low', { maxAttempts: 2 });

describe('dead letters: list and replay', () => {
  let f: MessagingFixture;
  let runner: ConsumerRunner;
  let healthy = false;
  const handled: string[] = [];

  before(async () => {
    f = await messagingFixture('dlq', [consumer]);
    runner = new ConsumerRunner({
      service: 'test-service',
      db: f.db,
      nc: f.nc,
      topology: f.topology,
      outbox: new Outbox('/test-service'),
      log: silentLog,
      retry: { baseDelayMs: 50, maxDelayMs: 100 },
      subscriptions: [
        subscribe(consumer, async (event) => {
          if (!healthy) throw new AppError('permanent', 'downstream refused it');
          handled.push(event.data.sku);
        }),
      ],
    });
    runner.start();
  });

  after(async () => {
    await runner.stop();
    await f.close();
  });

  it('lists a dead letter with its error and delivery count, and replays it to its original subject once the cause is fixed', async () => {
    const id = await publishEvent(f.nc, f.topology, 'stock.low', { sku: 'S-1', name: 'Kettle', available: 1, threshold: 2, detectedAt: new Date().toISOString() }, { subject: 'S-1' });
    const [letter] = await eventually(async () => {
      const letters = await listDeadLetters(f.nc, f.topology, { service: 'test-service' });
      expect(letters).to.have.length(1);
      return letters;
    });
    expect(letter).to.deep.include({
      consumer: consumer.durable,
      error: 'downstream refused it',
      errorKind: 'permanent',
      originalSubject: f.topology.subject('stock.low'),
      deliveryCount: 1,
      eventId: id,
      eventType: 'stock.low',
      subject: 'S-1',
    });
    expect(await listDeadLetters(f.nc, f.topology, { service: 'other-service' })).to.deep.equal([]);

    healthy = true;
    const replayed = await replayDeadLetter(f.nc, f.topology, letter!.seq);
    expect(replayed).to.deep.equal({ seq: letter!.seq, subject: f.topology.subject('stock.low'), eventId: id });
    await eventually(() => expect(handled).to.deep.equal(['S-1']));
    expect(await listDeadLetters(f.nc, f.topology)).to.deep.equal([]);
    const copies = await readStream(f.nc, f.topology.stream('STOCK'));
    expect(copies.map((m) => m.headers['ce-id'])).to.deep.equal([id, id]);
  });

  it('refuses to replay a sequence that is not in the DLQ', async () => {
    try {
      await replayDeadLetter(f.nc, f.topology, 999_999);
      expect.fail('should have thrown');
    } catch (error) {
      expect((error as Error).message).to.match(/no message found|999999/i);
    }
  });
});
