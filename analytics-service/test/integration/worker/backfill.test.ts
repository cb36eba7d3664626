import { expect } from 'chai';
import { declareTopology, defaultStreamSettings, Topology } from '@order-platform/shared';
import { testLog, testNatsConnection, uniqueNamespace } from '@order-platform/shared/testing';
import { call, publishAll, range, settled, startAnalyticsService, today, type AnalyticsService } from '../../support/analytics-service.js';
import { story, utcToday } from '../../support/story.js';

describe('analytics-service: a new deployment backfills from the streams', () => {
  const day = utcToday();
  const threeDaysAgo = new Date(day.getTime() - 3 * 86_400_000);
  // what the producers published: three days ago, and today
  const events = [...story(threeDaysAgo), ...story(day)];
  let fromTheStart: AnalyticsService;
  let late: AnalyticsService | undefined;

  before(async () => {
    fromTheStart = await startAnalyticsService();
    await publishAll(fromTheStart, events);
    await settled(fromTheStart);
  });

  after(async () => {
    await fromTheStart?.close();
    await late?.close();
  });

  const figures = async (sut: AnalyticsService) => ({
    today: await today(sut),
    days: await range(sut, `from=${new Date(day.getTime() - 5 * 86_400_000).toISOString()}&to=${new Date(day.getTime() + 86_400_000).toISOString()}&bucket=day`),
    hours: await range(sut, `from=${threeDaysAgo.toISOString()}&to=${new Date(threeDaysAgo.getTime() + 86_400_000).toISOString()}&bucket=hour`),
    recent: (await call(sut.api.url, 'GET', '/analytics/events/recent?limit=200')).body,
  });

  it('when the service starts after the events were published, its figures equal those of one that ran from the start', async () => {
    // the producers' streams exist and hold the events before analytics-service is deployed
    const topology = new Topology(uniqueNamespace('backfill'));
    const nc = await testNatsConnection();
    try {
      await declareTopology(nc, topology, { streams: ['ORDERS', 'STOCK', 'PAYMENTS'], consumers: [] }, defaultStreamSettings, testLog);
      await publishAll({ nc, topology }, events);
    } finally {
      await nc.close();
    }
    late = await startAnalyticsService({ namespace: topology.namespace }); // migrator, api, worker
    await settled(late);
    const expected = await figures(fromTheStart);
    expect((expected.days['buckets'] as Array<{ placed: number }>).map((b) => b.placed)).to.deep.equal([0, 1, 4, 0, 1, 4]);
    expect(await figures(late)).to.deep.equal(expected);
  });
});
