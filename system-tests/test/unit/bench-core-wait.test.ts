import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { once } from 'node:events';
import { expect } from 'chai';
import { postgresThreads, threadTotals } from '../../../scripts/bench/processes.mjs';

// make bench reports, per process, how long its threads were ready to run but waited for a
// core (the kernel's schedstat): the part of an order's latency that is the machine being busy.
describe('make bench: time a process waited for a core', function () {
  this.timeout(10_000);
  const children: ChildProcess[] = [];

  before(function () {
    if (!existsSync(`/proc/${process.pid}/task/${process.pid}/schedstat`) || !existsSync('/usr/bin/taskset') || cpus().length < 2) this.skip();
  });

  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  // a process that spins for `busyMs` on one core, then sleeps until it is killed
  const spinner = async (busyMs: number, core = 0): Promise<ChildProcess> => {
    const script = `const end = Date.now() + ${busyMs}; while (Date.now() < end); process.stdout.write('done'); setTimeout(() => {}, 5000);`;
    const child = spawn('taskset', ['-c', String(core), process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await once(child, 'spawn');
    return child;
  };
  const done = async (child: ChildProcess): Promise<void> => {
    await once(child.stdout!, 'data');
  };

  it('counts the time two processes sharing one core each waited for it, not the time one alone on a core ran', async () => {
    const [a, b, alone] = await Promise.all([spinner(600, 0), spinner(600, 0), spinner(600, 1)]);
    await Promise.all([done(a), done(b), done(alone)]);
    // each spun for 600 ms of wall time on a core it shared: about half of it waiting
    for (const child of [a, b]) expect(threadTotals(child.pid!).waitMs).to.be.within(100, 5000);
    expect(threadTotals(a.pid!).switches).to.be.greaterThan(0);
    // it ran for 600 ms too, but had its core to itself (its start-up threads wait a little)
    expect(threadTotals(alone.pid!).waitMs).to.be.below(100);
  });

  it('is NaN for a process that is gone', async () => {
    const child = await spinner(0);
    await done(child);
    child.kill('SIGKILL');
    await once(child, 'exit');
    const totals = threadTotals(child.pid!);
    expect(totals.waitMs).to.be.NaN;
    expect(totals.switches).to.be.NaN;
  });

  it("sums the Postgres backends' waits per database between two snapshots, an ended backend's up to its last sample", () => {
    const snapshot = (children: [number, { waitMs: number; switches: number; title: string }][]) => ({ cpuMs: 0, exitedMs: 0, children: new Map(children.map(([pid, c]) => [pid, { cpuMs: 0, ...c }])) });
    const before = snapshot([
      [1, { waitMs: 10, switches: 5, title: 'postgres: 15/main: app orders 127.0.0.1 idle' }],
      [2, { waitMs: 3, switches: 1, title: 'postgres: 15/main: walwriter' }],
    ]);
    const ended = { cpuMs: 0, waitMs: 16, switches: 9, title: 'postgres: 15/main: app orders 127.0.0.1 idle' };
    const after = snapshot([
      [1, { waitMs: 25, switches: 8, title: 'postgres: 15/main: app orders 127.0.0.1 idle' }],
      [2, { waitMs: 4, switches: 2, title: 'postgres: 15/main: walwriter' }],
      [3, { waitMs: 7, switches: 4, title: 'postgres: 15/main: app stock 127.0.0.1 idle' }],
    ]);
    const seen = new Map([[4, ended]]);
    const waited = postgresThreads(before, after, ['orders', 'stock'], seen, 'waitMs');
    expect(waited.parts).to.deep.equal({ orders: 15 + 16, stock: 7, other: 1 });
    expect(waited.total).to.equal(39);
    expect(postgresThreads(before, after, ['orders', 'stock'], seen, 'switches').parts).to.deep.equal({ orders: 3 + 9, stock: 4, other: 1 });
  });
});
