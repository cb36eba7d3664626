import { expect } from 'chai';
import { lanesOf, type BatchItem } from '../../src/consumer/batch.js';

const item = (key: string, ...locks: string[]): BatchItem => ({ key, delivery: 1, locks: locks.map((lock) => ({ space: 1, key: lock })), scope: undefined as never, run: async () => undefined });
const keys = (lanes: BatchItem[][]): string[][] => lanes.map((lane) => lane.map((i) => i.key));

describe('lanesOf: which messages of a batch may run side by side', () => {
  it('puts messages that share a lock, directly or through others, in one lane, each lane in delivery order', () => {
    // m1 and m4 share p; m3 joins them through q (m4); m2 and m5 stand apart
    const lanes = lanesOf([item('m1', 'p'), item('m2', 'r'), item('m3', 'q', 's'), item('m4', 'q', 'p'), item('m5', 't'), item('m6', 's')]);
    expect(keys(lanes)).to.deep.equal([['m1', 'm3', 'm4', 'm6'], ['m2'], ['m5']]);
  });

  it('tells locks of different spaces apart', () => {
    const a = { ...item('a'), locks: [{ space: 1, key: 'x' }] };
    const b = { ...item('b'), locks: [{ space: 2, key: 'x' }] };
    expect(keys(lanesOf([a, b]))).to.deep.equal([['a'], ['b']]);
  });

  it('makes the batch one lane when a message declares no lock (it may touch anything)', () => {
    expect(keys(lanesOf([item('m1', 'p'), item('m2'), item('m3', 'q')]))).to.deep.equal([['m1', 'm2', 'm3']]);
    expect(lanesOf([])).to.deep.equal([]);
  });
});
