import { expect } from 'chai';
import { Writable } from 'node:stream';
import { commonConfig, ConfigError, createLogger, defineConfig, parseConfig, serviceConfigSpecs } from '../../src/index.js';

const spec = defineConfig({
  port: { env: 'PORT', type: 'integer', minimum: 0, maximum: 65535, default: 3001, description: 'HTTP port' },
  databaseUrl: { env: 'DATABASE_URL', type: 'string', description: 'Postgres URL' },
  level: { env: 'LOG_LEVEL', type: 'string', enum: ['info', 'debug'], default: 'info', description: 'log level' },
  relay: { env: 'RELAY_ENABLED', type: 'boolean', default: true, description: 'run the relay' },
});

describe('config', () => {
  it('applies defaults and coerces types from env strings', () => {
    const config = parseConfig(spec, { DATABASE_URL: 'postgres://x/y', RELAY_ENABLED: 'false' });
    expect(config).to.deep.equal({ port: 3001, databaseUrl: 'postgres://x/y', level: 'info', relay: false });
  });

  it("takes a worker's flush wait default from its service, 0 (no linger) unless the service names one", () => {
    const saga = serviceConfigSpecs({ databaseUrl: 'postgres://x/y', port: 3001 });
    const readModel = serviceConfigSpecs({ databaseUrl: 'postgres://x/y', port: 3006, consumerFlushWaitMs: 50 });
    expect(parseConfig(saga.worker, {}).consumerFlushWaitMs).to.equal(0);
    expect(parseConfig(readModel.worker, {}).consumerFlushWaitMs).to.equal(50);
    expect(parseConfig(readModel.worker, { CONSUMER_FLUSH_WAIT_MS: '5' }).consumerFlushWaitMs).to.equal(5);
    expect(() => parseConfig(readModel.worker, { CONSUMER_FLUSH_WAIT_MS: '5000' })).to.throw(ConfigError, /CONSUMER_FLUSH_WAIT_MS/);
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig(spec, { DATABASE_URL: 'postgres://x/y', PORT: '' }).port).to.equal(3001);
  });

  it('reports every bad key at once, naming the variable and the value', () => {
    try {
      parseConfig(spec, { PORT: 'eighty', LOG_LEVEL: 'loud' });
      expect.fail('should have thrown');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).to.include('PORT must be integer (got "eighty")');
      expect(problems).to.include('LOG_LEVEL must be equal to one of the allowed values (got "loud")');
      expect(problems).to.include('DATABASE_URL');
    }
  });

  it('connects to NATS without a user unless NATS_USER and NATS_PASSWORD are set, and never logs the password', () => {
    expect(parseConfig(commonConfig, {})).to.include({ natsUser: '', natsPassword: '' });
    const config = parseConfig(commonConfig, { NATS_USER: 'order-service', NATS_PASSWORD: 'hunter2hunter2' });
    expect(config).to.include({ natsUser: 'order-service', natsPassword: 'hunter2hunter2' });
    let written = '';
    const destination = new Writable({ write: (chunk, _encoding, done) => ((written += String(chunk)), done()) });
    createLogger({ service: 's', process: 'p', destination }).info({ config }, 'starting');
    expect(written).to.include('order-service').and.not.include('hunter2');
  });
});
