import { expect } from 'chai';
import { publishAll, range, settled, startAnalyticsService, today, call, type AnalyticsService } from '../../support/analytics-service.js';
import { expectedDay, story, utcToday } from '../../support/story.js';

describe('analytics-service worker: events in, figures out', () => {
  let analytics: AnalyticsService;
  const day = utcToday();
  const events = story(day);

  before(async () => {
    analytics = await startAnalyticsService();
    await publishAll(analytics, events);
    await settled(analytics);
  });

  after(async () => {
    await analytics.close();
  });

  it("counts today's orders, revenue, time to confirm and low stock from the events' own times", async () => {
    const figures = await today(analytics);
    const { perMinute, ...rest } = figures as { perMinute: Array<Record<string, unknown>> };
    expect(rest).to.deep.equal(expectedDay(day));
    expect(perMinute.map((m) => m['minute'])).to.deep.equal([0, 1, 2, 3, 4, 10].map((m) => new Date(day.getTime() + m * 60_000).toISOString()));
    expect(perMinute[1]).to.deep.equal({ minute: new Date(day.getTime() + 60_000).toISOString(), placed: 1, confirmed: 1, cancelled: 0, revenue: [{ currency: 'EUR', captured: 6048 }] });
  });

  it('buckets a range per day and per hour, every bucket listed', async () => {
    const yesterday = new Date(day.getTime() - 86_400_000);
    const days = await range(analytics, `from=${yesterday.toISOString()}&to=${new Date(day.getTime() + 86_400_000).toISOString()}&bucket=day`);
    const buckets = days['buckets'] as Array<Record<string, unknown>>;
    expect(buckets.map((b) => [b['start'], b['placed'], b['confirmed'], b['cancelled']])).to.deep.equal([
      [yesterday.toISOString(), 1, 0, 0],
      [day.toISOString(), 4, 3, 3],
    ]);
    const hours = await range(analytics, `from=${day.toISOString()}&to=${new Date(day.getTime() + 3 * 3_600_000).toISOString()}`);
    expect(hours['bucket']).to.equal('hour');
    expect((hours['buckets'] as unknown[]).length).to.equal(3);
    expect((hours['buckets'] as Array<Record<string, unknown>>)[0]).to.deep.include({ placed: 4, cancelledByReason: { out_of_stock: 1, customer_request: 1, payment_declined: 1 } });
  });

  it('lists the latest events newest first, by their own time, with a summary', async () => {
    const { status, body } = await call(analytics.api.url, 'GET', '/analytics/events/recent?limit=3');
    expect(status).to.equal(200);
    const last = events.at(-1)!;
    expect(body.events.map((e: { type: string }) => e.type)).to.deep.equal(['payments.refunded', 'stock.released', 'orders.cancelled']);
    expect(body.events[0]).to.deep.equal({
      id: last.id,
      type: 'payments.refunded',
      subject: (last.data as { orderId: string }).orderId,
      orderId: (last.data as { orderId: string }).orderId,
      sku: null,
      time: new Date(day.getTime() + 10 * 60_000 + 2000).toISOString(),
      summary: 'payment refunded: 25.00 GBP',
    });
  });
});
