import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { testInfra, testJwtSecret } from '@order-platform/shared/testing';

// make bench-idle, short, as a user runs it (the built tree, its own ports, databases and
// namespace), here against the test Postgres and NATS: a warm-up that is not counted, then a few
// orders one at a time, and where their time went, hop by hop.
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Hop {
  hop: string;
  p50: number;
  p90: number;
  n: number;
}

describe('make bench-idle: warm-up, then where an order’s time goes', function () {
  this.timeout(240_000);

  it('does not count the warm-up, and its hops add up to the order’s own latency', async () => {
    const { databaseUrl, natsUrl } = await testInfra();
    const server = new URL(databaseUrl);
    server.pathname = '';
    server.search = '';
    const env = {
      ...process.env,
      JWT_SECRET: testJwtSecret, NATS_URL: natsUrl, DATABASE_BASE_URL: server.toString().replace(/\/$/, ''),
      BENCH_IDLE: '6', BENCH_WARMUP_SECONDS: '2', BENCH_RAW_PG_SECONDS: '0.5', BENCH_RAW_JS_MESSAGES: '2000',
    };
    const child = spawn(process.execPath, ['scripts/bench.mjs'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const figuresFile = /figures: (\S+\.json), chart: (\S+\.svg)/.exec(output);
    try {
      expect(code, output).to.equal(0);
      expect(output).to.include('6 orders one at a time, after 2 s of warm-up');
      expect(output).to.include('warming up: 2 s flat out');
      // the warm-up placed many more orders than the 6 counted (and the invariants cover them all)
      expect(output).to.match(/orders placed: 6 in /);
      const stored = Number(/every order reached a terminal state: (\d+) orders stored/.exec(output)?.[1]);
      expect(stored, output).to.be.above(7);
      expect(output).not.to.match(/^\s+FAIL/m);

      expect(figuresFile, output).to.not.equal(null);
      const figures = JSON.parse(readFileSync(join(root, figuresFile![1]), 'utf8')) as {
        hops: Hop[];
        perOrder: { contextSwitches: Record<string, number>; waitedForCoreMs: Record<string, number> };
        machine: { switchesPerOrder: number };
        ceilings: { postgres: { txPerSecond: number }; jetstream: { publishesPerSecond: number } };
        ceilingsAfter: { postgres: { txPerSecond: number }; jetstream: { publishesPerSecond: number } };
        ceilingDrift: { postgres: number; jetstream: number };
        postgresActivity: { everyMs: number; samples: number; msPerOrder: Record<string, Record<string, number>>; failure?: string };
      };
      // the raw ceilings measured again once the system stopped, and how far they moved
      expect(output).to.match(/^raw ceilings again after the run \(the system stopped\): Postgres [\d,]+ tx\/s \([+−]\d+ %\), JetStream [\d,]+ publishes\/s \([+−]\d+ %\)/m);
      expect(figures.ceilingsAfter.postgres.txPerSecond).to.be.above(0);
      expect(figures.ceilingsAfter.jetstream.publishesPerSecond).to.be.above(0);
      // measured anew, not the first figures again (a rate timed to the microsecond never repeats)
      expect(figures.ceilingsAfter.jetstream.publishesPerSecond).to.not.equal(figures.ceilings.jetstream.publishesPerSecond);
      const moved = (100 * (figures.ceilingsAfter.postgres.txPerSecond - figures.ceilings.postgres.txPerSecond)) / figures.ceilings.postgres.txPerSecond;
      expect(figures.ceilingDrift.postgres).to.be.closeTo(moved, 1e-9);
      // every process's wake-ups per order next to its CPU, and the machine's, which holds them all
      const switches = figures.perOrder.contextSwitches;
      const processes = ['order-api', 'payment-api', 'stock-worker', 'order-worker', 'payment-worker', 'notify-worker', 'analytics-worker', 'generator (bench)'];
      for (const p of processes) expect(switches[p], `${p}: ${JSON.stringify(switches)}`).to.be.above(0);
      const counted = processes.reduce((a, p) => a + switches[p]!, 0);
      expect(figures.machine.switchesPerOrder, JSON.stringify(figures.machine)).to.be.at.least(counted);
      expect(output).to.match(/context switches per order .* the machine made \d+/);
      // and how long each waited for a core (run-queue time): never negative, and some for the processes an order wakes
      const waited = figures.perOrder.waitedForCoreMs;
      for (const p of [...processes, 'postgres (all processes)']) expect(waited[p], `${p}: ${JSON.stringify(waited)}`).to.be.at.least(0);
      expect(processes.reduce((a, p) => a + waited[p]!, 0), JSON.stringify(waited)).to.be.above(0);
      expect(output).to.match(/^ {2}and ms per order each one was ready to run but waited for a core/m);
      expect(output).to.match(/^ {2}order-worker +\d+\.\d+ +\d+\.\d +\d+\.\d+ +\d+$/m);
      // each service's Postgres backends' time, by what it went to (pg_stat_activity, sampled through the run)
      expect(output).to.match(/^Postgres backends' time per order, in ms, by what it went to \(pg_stat_activity every 50 ms, [\d,]+ samples;/m);
      expect(output).to.match(/^ {2}order +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d$/m);
      const activity = figures.postgresActivity;
      expect(activity.failure, JSON.stringify(activity)).to.equal(undefined);
      expect(activity.samples).to.be.above(10);
      expect(Object.keys(activity.msPerOrder).sort()).to.deep.equal(['analytics', 'notify', 'order', 'payment', 'stock']);
      for (const kinds of Object.values(activity.msPerOrder)) {
        expect(Object.keys(kinds)).to.deep.equal(['running', 'lock wait', 'WAL flush', 'other wait', 'waiting for its service']);
        for (const v of Object.values(kinds)) expect(v).to.be.at.least(0);
      }
      expect(figures.hops.map((h) => h.n)).to.deep.equal(Array(10).fill(6));
      const segments = figures.hops.slice(0, -1);
      const total = figures.hops.at(-1)!;
      expect(total.hop).to.equal('POST /orders sent → the bench saw orders.confirmed');
      // one clock for the bench, Postgres and JetStream: every hop follows the one before it
      for (const h of segments) expect(h.p50, `${h.hop}: ${h.p50} ms`).to.be.at.least(-1);
      const sum = segments.reduce((a, h) => a + h.p50, 0);
      expect(sum, `hops add up to ${sum.toFixed(1)} ms, the orders took ${total.p50.toFixed(1)} ms`).to.be.within(total.p50 * 0.5, total.p50 * 1.5);
      const latency = Number(/latency POST \/orders -> orders\.confirmed: p50 ([\d.]+) ms/.exec(output)?.[1]);
      expect(Math.abs(total.p50 - latency), `hop total ${total.p50} ms, the bench's p50 ${latency} ms`).to.be.below(Math.max(2, latency * 0.1));
      expect(output).to.match(/where an order's time goes \(ms, p50 \/ p90 of 6 confirmed orders/);
    } finally {
      if (figuresFile) for (const f of figuresFile.slice(1)) rmSync(join(root, f), { force: true });
    }
  });
});
