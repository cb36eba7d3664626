import { expect } from 'chai';
import { expectAnswer, principals } from '@order-platform/shared/testing';
import { call, startAnalyticsService, type AnalyticsService } from '../../support/analytics-service.js';
import { utcToday } from '../../support/story.js';

describe('analytics-service api', () => {
  let sut: AnalyticsService;
  let as: Awaited<ReturnType<typeof principals>>;
  const day = utcToday();
  const iso = (offsetDays: number) => new Date(day.getTime() + offsetDays * 86_400_000).toISOString();

  before(async () => {
    sut = await startAnalyticsService({ worker: false });
    as = await principals();
  });

  after(async () => {
    await sut?.close();
  });

  it('is for staff: 401 without a token, 403 for a customer or a token without a role, 200 for admin', async () => {
    for (const path of ['/analytics/today', `/analytics/range?from=${iso(0)}&to=${iso(1)}`, '/analytics/events/recent']) {
      await expectAnswer(sut.api.url, 'GET', path, as.none, 401);
      await expectAnswer(sut.api.url, 'GET', path, as.noRole, 403);
      await expectAnswer(sut.api.url, 'GET', path, as.ada, 403);
      await expectAnswer(sut.api.url, 'GET', path, as.admin, 200);
    }
  });

  it('before any event: zeros, null rates, empty lists', async () => {
    const { body } = await call(sut.api.url, 'GET', '/analytics/today');
    expect(body).to.deep.equal({
      date: day.toISOString().slice(0, 10),
      orders: { placed: 0, confirmed: 0, cancelled: 0, cancelledByReason: {} },
      confirmationRate: null,
      revenue: [],
      avgPlacedToConfirmedMs: null,
      lowStock: [],
      perMinute: [],
    });
    expect((await call(sut.api.url, 'GET', '/analytics/events/recent')).body).to.deep.equal({ events: [] });
  });

  it('a range that is missing, not a date-time, backwards or too wide for its bucket is 400 problem+json', async () => {
    const bad = [
      '/analytics/range',
      `/analytics/range?from=${iso(0)}`,
      `/analytics/range?from=yesterday&to=${iso(1)}`,
      `/analytics/range?from=${iso(1)}&to=${iso(0)}`,
      `/analytics/range?from=${iso(0)}&to=${iso(0)}`,
      `/analytics/range?from=${iso(-32)}&to=${iso(0)}&bucket=hour`,
      `/analytics/range?from=${iso(-367)}&to=${iso(0)}&bucket=day`,
      `/analytics/range?from=${iso(0)}&to=${iso(1)}&bucket=week`,
      '/analytics/events/recent?limit=0',
    ];
    for (const path of bad) await expectAnswer(sut.api.url, 'GET', path, as.admin, 400);
    const widest = await expectAnswer(sut.api.url, 'GET', `/analytics/range?from=${iso(-366)}&to=${iso(0)}&bucket=day`, as.admin, 200);
    expect(widest.body.buckets).to.have.length(366);
  });
});
