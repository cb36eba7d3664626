import { expect } from 'chai';
import { ConfigError } from '@order-platform/shared';
import { loadWorkerConfig } from '../../src/config.js';

describe('worker config', () => {
  it('defaults to email for customers and staff, with Mailpit-style SMTP on localhost', () => {
    expect(loadWorkerConfig({})).to.include({ customerChannel: 'email', staffChannel: 'email', smtpUrl: 'smtp://127.0.0.1:1025', directoryBreakerFailures: 5 });
  });

  it('a webhook channel without a receiver URL and a secret stops the process with both problems named', () => {
    expect(() => loadWorkerConfig({ NOTIFY_STAFF_CHANNEL: 'webhook', WEBHOOK_SECRET: 'short' }))
      .to.throw(ConfigError)
      .with.property('problems')
      .that.deep.equals(['WEBHOOK_URL must be an http(s) URL when a channel is webhook', 'WEBHOOK_SECRET must be at least 16 characters when a channel is webhook']);
  });

  it('renders templates in 2 threads within 250 ms by default; a limit under 10 ms is refused', () => {
    expect(loadWorkerConfig({})).to.include({ renderTimeoutMs: 250, renderThreads: 2 });
    expect(loadWorkerConfig({ TEMPLATE_RENDER_TIMEOUT_MS: '1000', TEMPLATE_RENDER_THREADS: '1' })).to.include({ renderTimeoutMs: 1000, renderThreads: 1 });
    expect(() => loadWorkerConfig({ TEMPLATE_RENDER_TIMEOUT_MS: '5' })).to.throw(ConfigError, /TEMPLATE_RENDER_TIMEOUT_MS/);
  });

  it('keeps customers the directory found for 60 s, at most 10,000 of them, by default; a TTL of 0 turns that off', () => {
    expect(loadWorkerConfig({})).to.include({ directoryCacheTtlMs: 60_000, directoryCacheSize: 10_000 });
    expect(loadWorkerConfig({ CUSTOMER_DIRECTORY_CACHE_TTL_MS: '0', CUSTOMER_DIRECTORY_CACHE_SIZE: '50' })).to.include({ directoryCacheTtlMs: 0, directoryCacheSize: 50 });
    expect(() => loadWorkerConfig({ CUSTOMER_DIRECTORY_CACHE_TTL_MS: '-1' })).to.throw(ConfigError, /CUSTOMER_DIRECTORY_CACHE_TTL_MS/);
  });

  it('lets a batch linger 50 ms by default (no saga step waits on a notification); CONSUMER_FLUSH_WAIT_MS sets it', () => {
    expect(loadWorkerConfig({})).to.include({ consumerFlushWaitMs: 50 });
    expect(loadWorkerConfig({ CONSUMER_FLUSH_WAIT_MS: '0' })).to.include({ consumerFlushWaitMs: 0 });
  });

  it('an unknown channel is refused', () => {
    expect(() => loadWorkerConfig({ NOTIFY_CUSTOMER_CHANNEL: 'sms' })).to.throw(ConfigError, /NOTIFY_CUSTOMER_CHANNEL/);
  });
});
