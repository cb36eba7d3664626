import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { testInfra } from '@order-platform/shared/testing';
import { cleanUp, freePort } from '../../../scripts/bench/run-resources.mjs';
import { peers, services, startStack } from '../../../scripts/stack.mjs';

// make bench and make demo wait for the system with stack.ready(): a process that exits at
// start (a setting missing or wrong exits 78 within a second) must end the wait at once and be
// named, not leave the operator staring at "not ready after 30000 ms".
describe('starting the system locally (scripts/stack.mjs) with a process that cannot start', function () {
  this.timeout(120_000);
  const run = randomBytes(3).toString('hex');
  const namespace = `stf${run}`;
  const database = Object.fromEntries(services.map((s: { dir: string; name: string }) => [s.dir, `${s.name}_stf_${run}`]));
  const lines: string[] = [];
  let stack: { ready(timeoutMs?: number): Promise<void>; stop(): Promise<void>; children: { name: string; child: { exitCode: number | null } }[] } | undefined;
  let admin: pg.Client;
  let natsUrl: string;

  before(async () => {
    const infra = await testInfra();
    natsUrl = infra.natsUrl;
    const server = new URL(infra.databaseUrl);
    server.pathname = '/postgres';
    admin = new pg.Client({ connectionString: server.toString() });
    await admin.connect();
    const ports = new Map<string, number>();
    const metricsPorts = new Map<string, number>();
    for (const s of [...services, ...peers] as { name: string }[]) {
      ports.set(s.name, await freePort());
      metricsPorts.set(s.name, await freePort());
    }
    stack = await startStack({
      processes: 'split',
      // no way to verify bearer tokens: every api refuses to start (exit 78); the workers need none
      env: { NATS_URL: natsUrl, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info', JWT_SECRET: '', AUTH_JWKS_URL: '', DB_POOL_MAX: '2', DB_AUTOCOMMIT_POOL_MAX: '1' },
      adminUrl: server.toString(),
      database: (dir: string) => database[dir],
      port: (s: { name: string }) => ports.get(s.name),
      metricsPort: (s: { name: string }) => metricsPorts.get(s.name),
      output: (line: string) => void lines.push(line.replace(/\x1b\[[0-9;]*m/g, '')),
    });
  });

  after(async () => {
    await stack?.stop();
    if (admin) await cleanUp({ nc: await connect({ servers: natsUrl }), admin, namespace, database, queryDir: mkdtempSync(join(tmpdir(), 'stack-start-')), out: () => undefined });
  });

  it('ends the wait as soon as a process exits, naming it and its exit code', async () => {
    const started = Date.now();
    const error = await stack!.ready(60_000).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error, 'ready() resolved').to.be.instanceOf(Error);
    expect(error!.message).to.match(/^[a-z]+-api exited \(code 78\) before the system was ready/);
    expect(Date.now() - started, 'ms until ready() gave up').to.be.below(20_000);
    // and the reason is in the process's own log
    const name = error!.message.split(' ')[0]!.replace(/-api$/, '');
    expect(lines.some((l) => l.startsWith(`${name}-api`) && l.includes('fatal') && l.includes('JWT_SECRET or AUTH_JWKS_URL must be set'))).to.equal(true);
  });
});
