import { expect } from 'chai';
import { assembleBuckets, bucketStarts, confirmationRate } from '../../src/domain/figures.js';
import { factsOf } from '../../src/domain/event-facts.js';
import { formatMoney } from '../../src/domain/money.js';

describe('analytics figures (pure)', () => {
  it('lists every bucket from the one holding from up to to, in UTC', () => {
    const starts = bucketStarts('hour', new Date('2026-03-14T09:30:00Z'), new Date('2026-03-14T12:00:00Z'));
    expect(starts.map((s) => s.toISOString())).to.deep.equal(['2026-03-14T09:00:00.000Z', '2026-03-14T10:00:00.000Z', '2026-03-14T11:00:00.000Z']);
  });

  it('zero-fills the listed buckets and adds cancellations per reason', () => {
    const start = new Date('2026-03-14T00:00:00Z');
    const buckets = assembleBuckets(
      [{ bucket: start, kind: 'cancelled', reason: 'out_of_stock', count: 2 }],
      [{ bucket: start, currency: 'EUR', captured: 500, refunded: 200 }],
      bucketStarts('day', start, new Date('2026-03-16T00:00:00Z')),
    );
    expect(buckets).to.deep.equal([
      { start: start.toISOString(), placed: 0, confirmed: 0, cancelled: 2, cancelledByReason: { out_of_stock: 2 }, revenue: [{ currency: 'EUR', captured: 500, refunded: 200, net: 300 }] },
      { start: '2026-03-15T00:00:00.000Z', placed: 0, confirmed: 0, cancelled: 0, cancelledByReason: {}, revenue: [] },
    ]);
  });

  it('has no confirmation rate before any order ended', () => {
    expect(confirmationRate(0, 0)).to.equal(null);
    expect(confirmationRate(3, 1)).to.equal(0.75);
  });

  it("takes an event's time from its payload, not from the envelope", () => {
    const facts = factsOf({
      id: 'e1', type: 'payments.captured', source: 'payment-service', subject: 'o1', time: '2026-03-20T00:00:00.000Z',
      data: { orderId: 'o1', paymentId: 'p1', amount: { amount: 1234, currency: 'JPY' }, capturedAt: '2026-03-14T09:00:00.000Z' },
    });
    expect(facts.event).to.include({ time: '2026-03-14T09:00:00.000Z', summary: 'payment captured: 1234 JPY' });
    expect(formatMoney({ amount: 6048, currency: 'EUR' })).to.equal('60.48 EUR');
  });
});
