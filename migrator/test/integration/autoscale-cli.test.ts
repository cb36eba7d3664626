import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { declareTopology, defaultStreamSettings, Topology, type NatsConnection } from '@order-platform/shared';
import { deleteNamespaceStreams, eventually, testInfra, testLog, testNatsConnection, uniqueNamespace } from '@order-platform/shared/testing';
import { services } from '../../src/services.js';
import { publishMany } from '../support/lag.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const main = fileURLToPath(new URL('../../src/autoscale.ts', import.meta.url));

describe('make autoscale --dry-run: the autoscaler command', function () {
  this.timeout(60_000);
  const topology = new Topology(uniqueNamespace('autoscalecli'));
  let nc: NatsConnection;
  let proxy: TcpProxy;
  let child: ChildProcess | undefined;
  let output = '';
  const lines = () => output.split('\n').filter(Boolean);
  const unavailable = () => `cannot read lag, trying again next interval: NATS at ${proxy.url} is unavailable`;

  before(async () => {
    nc = await testNatsConnection();
    await declareTopology(nc, topology, await services['payment-service']!(), defaultStreamSettings, testLog);
    proxy = await TcpProxy.create((await testInfra()).natsUrl);
  });

  after(async () => {
    child?.kill('SIGKILL');
    await proxy.stop();
    await deleteNamespaceStreams(nc, topology.namespace);
    await nc.close();
  });

  it('keeps running while NATS is away, prints each decision with the compose command it would run, and exits 0 on SIGTERM', async () => {
    await publishMany(nc, topology, 'orders.created', 30);
    const args = ['payment-service', '--dry-run', '--interval-seconds', '0.2', '--target-lag', '10', '--scale-down-lag', '2', '--max-replicas', '4', '--cooldown-seconds', '0'];
    child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', main, ...args], {
      env: { ...process.env, NATS_URL: proxy.url, NATS_NAMESPACE: topology.namespace },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));

    // NATS unreachable from the start: it says so every interval and keeps going
    await eventually(() => expect(lines().filter((l) => l.includes(unavailable()))).to.have.length.greaterThan(1), { timeoutMs: 20_000 });
    expect(lines()[0]).to.include('autoscaling payment-service-worker on payment-service-orders-created, payment-service-stock-reserved, payment-service-orders-cancelled');
    expect(child.exitCode).to.equal(null);

    await proxy.start();
    await eventually(() => expect(output).to.include('replicas 1 -> 3; lag 30 on 1 replica (30 each): above the target 10: scale up to 3'), { timeoutMs: 20_000 });
    expect(output).to.include('[dry run, would run: docker compose up -d --no-deps --no-recreate --scale payment-service-worker=3 payment-service-worker]');
    expect(output).to.include('payment-service-orders-created=30 payment-service-stock-reserved=0 payment-service-orders-cancelled=0');

    // NATS goes away mid-run, then comes back on the same address
    await proxy.stop();
    const cut = lines().length;
    await eventually(() => expect(lines().slice(cut).some((l) => l.includes(unavailable()))).to.equal(true), { timeoutMs: 20_000 });
    await proxy.start();
    const back = lines().length;
    await eventually(() => expect(lines().slice(back).some((l) => l.includes('replicas 3; lag 30 on 3 replicas (10 each): within 2–10, no change'))).to.equal(true), {
      timeoutMs: 20_000,
    });

    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
    expect(lines().at(-1)).to.equal('autoscale: stopped');
  });
});
