import { expect } from 'chai';
import { readStream } from '@order-platform/shared/testing';
import { publishAll, settled, startAnalyticsService, today, type AnalyticsService, type Published } from '../../support/analytics-service.js';
import { expectedDay, story, utcToday } from '../../support/story.js';

describe('analytics-service worker: delivered twice, out of order', () => {
  let analytics: AnalyticsService;
  const day = utcToday();

  beforeEach(async () => {
    analytics = await startAnalyticsService();
  });

  afterEach(async () => {
    await analytics.close();
  });

  const figuresOfDay = async () => {
    const { perMinute: _perMinute, ...rest } = await today(analytics);
    return rest;
  };

  it('when every event is delivered twice, each is counted once', async () => {
    const events = story(day);
    const again: Published[] = events.map((e) => ({ ...e, msgId: `${e.id}-redelivered` }));
    await publishAll(analytics, [...events, ...again]);
    await settled(analytics);
    expect(await figuresOfDay()).to.deep.equal(expectedDay(day));
    const [row] = await analytics.api.resources.db('analytics_events').count({ n: '*' });
    expect(Number(row!['n'])).to.equal(events.length);
  });

  it('when the events arrive in reverse order (confirmed before created, refund before capture), the figures are the same', async () => {
    const events = story(day).reverse();
    await publishAll(analytics, events);
    await settled(analytics);
    expect(await figuresOfDay()).to.deep.equal(expectedDay(day));
  });

  it('when an event is applied again after its processed-message row was pruned, nothing changes', async () => {
    const events = story(day);
    await publishAll(analytics, events);
    await settled(analytics);
    // what a replay older than the processed-messages retention meets: no row to skip it by
    await analytics.api.resources.db('processed_messages').del();
    await publishAll(analytics, events.map((e) => ({ ...e, msgId: `${e.id}-replayed` })));
    await settled(analytics);
    expect(await figuresOfDay()).to.deep.equal(expectedDay(day));
    // applied again without an error, not dead-lettered
    expect(await readStream(analytics.api.resources.nc, analytics.topology.stream('DLQ'))).to.have.length(0);
    const [row] = await analytics.api.resources.db('processed_messages').count({ n: '*' });
    expect(Number(row!['n'])).to.equal(events.length);
  });
});
