import { expect } from 'chai';
import { descriptor } from 'analytics-service/descriptor';
import { findConsumer, parseReplayStart } from '../../src/replay/reset-consumer.js';

describe('make replay: what CONSUMER and FROM may say', () => {
  it('takes a stream sequence, an RFC 3339 time with its offset, or "start"', () => {
    expect(parseReplayStart('1200')).to.deep.equal({ from: 'seq', seq: 1200 });
    expect(parseReplayStart('2026-03-14T09:00:00+01:00')).to.deep.equal({ from: 'time', time: new Date('2026-03-14T08:00:00Z') });
    expect(parseReplayStart('start')).to.deep.equal({ from: 'start' });
    for (const bad of ['0', '-3', '1.5', 'yesterday', '2026-03-14', '2026-03-14T09:00:00']) {
      expect(() => parseReplayStart(bad), bad).to.throw(/FROM must be a stream sequence/);
    }
  });

  it('names a consumer by its durable or its event, and lists the service\'s consumers when it names none of them', () => {
    expect(findConsumer(descriptor, 'analytics-service-orders-created').event).to.equal('orders.created');
    expect(findConsumer(descriptor, 'stock.low').durable).to.equal('analytics-service-stock-low');
    expect(() => findConsumer(descriptor, 'nope')).to.throw(/analytics-service has no consumer "nope"; it has analytics-service-orders-created, /);
  });
});
