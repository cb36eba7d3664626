import { expect } from 'chai';
import { jetstreamManager } from '@nats-io/jetstream';
import { consumerName } from '@order-platform/shared';
import { eventually, scrapeMetrics, settled, sleep, testLog } from '@order-platform/shared/testing';
import { findConsumer, resetConsumer } from '../../src/replay/reset-consumer.js';
import { descriptor as analyticsDescriptor } from 'analytics-service/descriptor';
import { call, orderCreated, publish, runReplayTool, startAnalytics, type Sut } from '../support/read-models.js';

describe('replay: a durable consumer moved back', () => {
  let analytics: Sut;
  const durable = consumerName('analytics-service', 'orders.created');

  before(async () => {
    analytics = await startAnalytics();
    for (let minute = 1; minute <= 6; minute++) {
      const created = orderCreated(minute);
      await publish(analytics, 'orders.created', created, created.orderId);
      // distinct milliseconds: a reset to a time has millisecond precision, and two messages
      // stored in the same one would both be at or after it
      await sleep(5);
    }
    await settled(analytics.api.resources.nc, analytics.topology);
  });

  after(async () => {
    await analytics?.close();
  });

  const outcomes = async (outcome: string) => (await scrapeMetrics(analytics.worker!.metricsUrl)).value('consumer_messages_total', { consumer: durable, outcome }) ?? 0;
  const today = async () => (await call(analytics.api.url, 'GET', '/analytics/today')).body as { orders: { placed: number } };

  it('reset to an earlier stream sequence (make replay): the running worker goes on, and the re-delivered events are skipped as duplicates', async () => {
    const figures = await today();
    expect(figures.orders.placed).to.equal(6);
    const duplicates = await outcomes('duplicate');
    const { code, output } = await runReplayTool(analytics, ['consumer', `analytics-service/${durable}`, '3']);
    expect(code, output).to.equal(0);
    expect(output).to.include(`${durable} on ${analytics.topology.stream('ORDERS')} reset: 4 messages to deliver again`);
    // at once: the worker does not wait for missed heartbeats (some 15 s) to find the new consumer
    await eventually(async () => expect((await outcomes('duplicate')) - duplicates).to.equal(4), { timeoutMs: 5000 });
    expect(await today()).to.deep.equal(figures);
    // the worker still consumes: a new event is applied once
    const created = orderCreated(7);
    await publish(analytics, 'orders.created', created, created.orderId);
    await eventually(async () => expect((await today()).orders.placed).to.equal(7), { timeoutMs: 5000 });
  });

  it('reset to a time: re-delivers from the first message stored at or after it, each skipped as a duplicate', async () => {
    const jsm = await jetstreamManager(analytics.api.resources.nc);
    const fifth = await jsm.streams.getMessage(analytics.topology.stream('ORDERS'), { seq: 5 });
    const figures = await today();
    const duplicates = await outcomes('duplicate');
    const consumer = findConsumer(analyticsDescriptor, 'orders.created');
    const result = await resetConsumer(analytics.api.resources.nc, analytics.topology, consumer, { from: 'time', time: new Date(fifth!.timestamp) }, testLog);
    expect(result.pending).to.equal(3); // seq 5, 6 and the one the first test added
    await eventually(async () => expect((await outcomes('duplicate')) - duplicates).to.equal(3), { timeoutMs: 5000 });
    expect(await today()).to.deep.equal(figures);
  });
});
