import { expect } from 'chai';
import { loadWorkerConfig } from '../../src/config.js';

describe('worker config', () => {
  it('lets a batch linger 250 ms by default (no saga step waits on the read model); CONSUMER_FLUSH_WAIT_MS sets it', () => {
    expect(loadWorkerConfig({})).to.include({ consumerFlushWaitMs: 250 });
    expect(loadWorkerConfig({ CONSUMER_FLUSH_WAIT_MS: '0' })).to.include({ consumerFlushWaitMs: 0 });
  });
});
