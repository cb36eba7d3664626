import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

// make chaos, short: its own nats-server and Postgres cluster (never the ones the other tests
// use), a few hundred orders, two kills, NATS and Postgres restarted once and NATS paused once.
// It runs the built services (make test builds first).
describe('make chaos, short', () => {
  it('250 orders through kills, a NATS restart and pause and a Postgres restart end with no invariant broken', async function () {
    this.timeout(240_000);
    const child = spawn(process.execPath, ['scripts/chaos.mjs'], {
      cwd: root,
      env: {
        ...process.env,
        CHAOS_ORDERS: '250', CHAOS_RATE: '20', CHAOS_KILLS: '2', CHAOS_NATS_RESTARTS: '1', CHAOS_PG_RESTARTS: '1', CHAOS_NATS_PAUSES: '1',
        CHAOS_PAUSE_MS: '6000', CHAOS_QUIET_TIMEOUT_S: '120', CHAOS_LOG: `${root}/.chaos-test.log`,
        // tok_unavailable's charges give up after 8 s instead of 30, so the run stays short
        PAYMENT_CHARGE_BUDGET_MS: '8000', RETRY_MAX_DELAY_MS: '4000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).to.equal(0);
    expect(output).to.match(/violations\s+0/);
    expect(output).to.match(/kills \(SIGKILL\)\s+2 /);
    expect(output).to.match(/NATS\s+kill -9 \+ restart 1, SIGSTOP 6000 ms 1/);
    expect(output).to.match(/Postgres restarts\s+1 /);
  });
});
