import { expect } from 'chai';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { declareTopology, defaultStreamSettings, Topology, type NatsConnection, type ServiceDescriptor } from '@order-platform/shared';
import { deleteNamespaceStreams, eventually, testLog, testNatsConnection, uniqueNamespace } from '@order-platform/shared/testing';
import { scaleComposeService } from '../../src/autoscale/compose-scale.js';
import { readServiceLag } from '../../src/autoscale/read-service-lag.js';
import { runAutoscaler, type AutoscalerEvent } from '../../src/autoscale/run-autoscaler.js';
import { services } from '../../src/services.js';
import { drainConsumer, pausable, publishMany } from '../support/lag.js';

type Decision = Extract<AutoscalerEvent, { kind: 'decision' }>;

describe('autoscaler loop: scaling payment-service workers on real JetStream lag', function () {
  this.timeout(60_000);
  const topology = new Topology(uniqueNamespace('autoscale'));
  const policy = { minReplicas: 1, maxReplicas: 4, targetLagPerReplica: 10, scaleDownLagPerReplica: 2, cooldownMs: 60_000 };
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let payment: ServiceDescriptor;

  before(async () => {
    nc = await testNatsConnection();
    jsm = await jetstreamManager(nc);
    payment = await services['payment-service']!();
    await declareTopology(nc, topology, payment, defaultStreamSettings, testLog);
  });

  after(async () => {
    await deleteNamespaceStreams(nc, topology.namespace);
    await nc.close();
  });

  it('scales up as a backlog builds, holds through the cool-down, and scales back to the minimum once the backlog is drained', async () => {
    let clock = Date.parse('2025-01-01T00:00:00Z');
    const events: AutoscalerEvent[] = [];
    const scaled: number[] = [];
    const last = (): Decision => events.filter((e): e is Decision => e.kind === 'decision').at(-1)!;
    const lag = pausable(() => readServiceLag(jsm, topology, payment.consumers));
    const stop = new AbortController();
    const loop = runAutoscaler(
      { policy, intervalMs: 50, initialReplicas: 1 },
      { readLag: lag.read, scale: async (n) => void scaled.push(n), now: () => clock, report: (e) => events.push(e) },
      stop.signal,
    );
    try {
      await eventually(() => expect(last()?.decision).to.include({ replicas: 1, change: 'none' }));
      expect(last().lag.total).to.equal(0);

      // 25 messages waiting across two of the worker's consumers: 3 replicas at 10 each
      await lag.pause();
      await publishMany(nc, topology, 'orders.created', 20);
      await publishMany(nc, topology, 'stock.reserved', 5);
      lag.resume();
      await eventually(() => expect(scaled).to.deep.equal([3]));
      const up = events.find((e): e is Decision => e.kind === 'decision' && e.decision.change === 'up')!;
      expect(up.lag.total).to.equal(25);
      expect(up.lag.consumers.map((c) => [c.durable, c.lag])).to.deep.equal([
        ['payment-service-orders-created', 20],
        ['payment-service-stock-reserved', 5],
        ['payment-service-orders-cancelled', 0],
      ]);

      // the backlog grows further, but within the cool-down nothing changes
      await publishMany(nc, topology, 'orders.created', 15);
      await eventually(() => expect(last().lag.total).to.equal(40));
      expect(last().decision.reason).to.include('cooling down');

      await drainConsumer(nc, topology.stream('ORDERS'), 'payment-service-orders-created');
      await drainConsumer(nc, topology.stream('STOCK'), 'payment-service-stock-reserved');
      await eventually(() => expect(last().lag.total).to.equal(0));
      expect(last().decision).to.include({ replicas: 3, change: 'none' });
      expect(scaled).to.deep.equal([3]);

      clock += policy.cooldownMs;
      await eventually(() => expect(scaled).to.deep.equal([3, 1]));
      expect(last().decision.reason).to.include('scale down to 1 (the minimum)');
    } finally {
      stop.abort();
      await loop;
    }
  });

  it('when the compose command fails, reports it and makes the same change at the next interval', async () => {
    // a stand-in for `docker compose` that fails once (daemon away), then succeeds, logging its arguments
    const dir = await mkdtemp(join(tmpdir(), 'compose-'));
    const compose = join(dir, 'compose');
    await writeFile(compose, `#!/bin/sh\necho "$@" >> ${dir}/calls\n[ -f ${dir}/failed ] && exit 0\ntouch ${dir}/failed\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n`);
    await chmod(compose, 0o755);
    const events: AutoscalerEvent[] = [];
    const stop = new AbortController();
    const loop = runAutoscaler(
      { policy, intervalMs: 50, initialReplicas: 5 },
      { readLag: () => readServiceLag(jsm, topology, payment.consumers), scale: (n) => scaleComposeService(compose, 'payment-service-worker', n), now: Date.now, report: (e) => events.push(e) },
      stop.signal,
    );
    try {
      const calls = async () => (await readFile(join(dir, 'calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
      await eventually(async () => expect(await calls()).to.have.length(2));
      const [failure] = events.filter((e): e is Extract<AutoscalerEvent, { kind: 'error' }> => e.kind === 'error');
      expect(failure).to.deep.include({ step: 'scale' });
      expect(failure!.error.message).to.equal(`${compose} up -d --no-deps --no-recreate --scale payment-service-worker=4 payment-service-worker failed: Cannot connect to the Docker daemon`);
      expect(await calls()).to.deep.equal(Array(2).fill('up -d --no-deps --no-recreate --scale payment-service-worker=4 payment-service-worker'));
      await eventually(() => expect(events.at(-1)).to.deep.include({ kind: 'decision', from: 4 }));
      expect(await calls()).to.have.length(2);
    } finally {
      stop.abort();
      await loop;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing consumer and keeps going, scaling once the migrator has declared it', async () => {
    const fresh = new Topology(uniqueNamespace('autoscalenew'));
    const events: AutoscalerEvent[] = [];
    const stop = new AbortController();
    const loop = runAutoscaler(
      { policy: { ...policy, cooldownMs: 0 }, intervalMs: 50, initialReplicas: 1 },
      { readLag: () => readServiceLag(jsm, fresh, payment.consumers), scale: async () => undefined, now: Date.now, report: (e) => events.push(e) },
      stop.signal,
    );
    try {
      await eventually(() => expect(events.filter((e) => e.kind === 'error')).to.have.length.greaterThan(1));
      expect((events[0] as Extract<AutoscalerEvent, { kind: 'error' }>).error.message).to.match(/consumer payment-service-orders-created not found on stream .*_ORDERS: has the migrator run\?/);
      await declareTopology(nc, fresh, payment, defaultStreamSettings, testLog);
      await publishMany(nc, fresh, 'orders.cancelled', 30);
      await eventually(() => expect(events.at(-1)).to.deep.include({ kind: 'decision', from: 3 }));
    } finally {
      stop.abort();
      await loop;
      await deleteNamespaceStreams(nc, fresh.namespace);
    }
  });
});
