import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const fixture = fileURLToPath(new URL('../fixtures/idle-registry.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Context switches of a process's main thread so far (Linux). */
function wakeUps(pid: number): number {
  return readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('voluntary_ctxt_switches') || line.startsWith('nonvoluntary_ctxt_switches'))
    .reduce((sum, line) => sum + Number(line.split(/\s+/)[1]), 0);
}

describe('metrics registry on an idle process', function () {
  this.timeout(20_000);
  let child: ChildProcess;
  let port: number;

  before(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`fixture exited (${code}): ${out}`)));
    });
  });

  after(() => {
    child?.kill('SIGKILL');
  });

  it('does not wake the process a hundred times a second to sample the event loop', async () => {
    await sleep(1000); // past start-up (module loading, the first GCs)
    const before = wakeUps(child.pid!);
    await sleep(2000);
    const woken = wakeUps(child.pid!) - before;
    // a 10 ms sampling timer alone is ~200 wake-ups in 2 s; a 100 ms one ~20
    expect(woken, `main thread woke ${woken} times in 2 s`).to.be.below(80);
  });

  it('still reports the event loop delay percentiles', async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    for (const name of ['nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds', 'nodejs_eventloop_lag_seconds']) {
      expect(text).to.match(new RegExp(`^${name}\\{[^}]*service="idle-service"[^}]*\\} \\d`, 'm'));
    }
    const p99 = Number(/^nodejs_eventloop_lag_p99_seconds\{[^}]*\} (\S+)/m.exec(text)![1]);
    expect(p99, 'the monitor has samples').to.be.above(0);
  });
});
