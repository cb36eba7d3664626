import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { testInfra } from '@order-platform/shared/testing';
import { rawJetStreamRate, rawPostgresRate } from '../../../scripts/bench/ceilings.mjs';

// make bench's raw ceilings must measure the servers, not the bench warming up: a process's
// first JetStream measurement came out at half its next ones before it had an untimed warm-up.
describe('bench: the raw ceilings leave their warm-up out of the measurement', function () {
  this.timeout(60_000);
  let nc: NatsConnection;
  let databaseUrl: string;

  before(async () => {
    const infra = await testInfra();
    databaseUrl = infra.databaseUrl;
    nc = await connect({ servers: infra.natsUrl });
  });

  after(async () => {
    await nc?.close();
  });

  it('JetStream: publishes the warm-up first, and times only the measured publishes', async () => {
    const run = randomBytes(3).toString('hex');
    const subject = `ceil${run}.raw`;
    // every publish reaches a core subscription on the subject too: when each arrived
    const arrivals: number[] = [];
    const sub = nc.subscribe(subject, { callback: () => void arrivals.push(performance.now()) });
    const count = 5000;
    const result = await rawJetStreamRate(nc, { stream: `CEIL${run}`, subject, count });
    await nc.flush();
    sub.unsubscribe();
    expect(result.warmUp).to.equal(10_000);
    expect(arrivals.length, 'messages published').to.equal(result.warmUp + count);
    // the rate of the measured publishes as the subscription saw them arrive; had the warm-up
    // been timed too, the reported rate would be a third of it
    const seen = count / ((arrivals[arrivals.length - 1]! - arrivals[result.warmUp]!) / 1000);
    expect(result.publishesPerSecond, `reported ${result.publishesPerSecond.toFixed(0)}/s, the measured publishes arrived at ${seen.toFixed(0)}/s`).to.be.above(seen * 0.6);
  });

  it('Postgres: spends its warm-up first and counts only the transactions after it', async () => {
    // the server's URL without a database: rawPostgresRate adds the one it makes
    const server = new URL(databaseUrl);
    server.pathname = '';
    const base = server.toString().replace(/\/$/, '');
    const started = performance.now();
    const result = await rawPostgresRate(base, { database: `ceil_${randomBytes(3).toString('hex')}`, durationMs: 500, warmUpMs: 500 });
    expect(performance.now() - started, 'ms the measurement took').to.be.at.least(1000);
    expect(result.warmUpMs).to.equal(500);
    // every row its table holds is a transaction of the warm-up or of the measured period, and the rate is the latter's alone
    expect(result.warmUpTransactions).to.be.above(0);
    expect(result.transactions + result.warmUpTransactions, JSON.stringify(result)).to.equal(result.rows);
    expect(result.txPerSecond).to.equal(result.transactions / 0.5);
  });
});
