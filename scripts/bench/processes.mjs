// CPU, context switches and memory of the processes a bench run measures, read from /proc
// (Linux): CPU as utime + stime of /proc/<pid>/stat, context switches as the voluntary and
// involuntary ones of every thread's /proc/<pid>/task/<tid>/status, time waiting for a core as
// the run-queue time of every thread's /proc/<pid>/task/<tid>/schedstat, resident memory as VmRSS
// of /proc/<pid>/status.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** { ppid, cpuMs, childrenCpuMs } of a pid, or undefined once it is gone. */
export function stat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the fields after the command name, which may hold spaces: state is [0], ppid [1], utime [11]
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ms = (ticks) => (Number(ticks) * 1000) / ticksPerSecond;
  return { ppid: Number(f[1]), cpuMs: ms(f[11]) + ms(f[12]), childrenCpuMs: ms(f[13]) + ms(f[14]), startTime: f[19] };
}

/**
 * Context switches of a process, every thread's, voluntary (it waited: for a socket, a lock, a
 * timer, and was woken) and involuntary (its time slice ended), and the time its threads spent
 * runnable but not running (waiting for a core: the second field of each thread's
 * /proc/<pid>/task/<tid>/schedstat, where the kernel keeps scheduler statistics; NaN where it
 * does not). Both NaN once the process is gone. On a VM a wake-up costs far more than the work
 * many of them do, so the switches count what batching saves; the wait is what a busy machine
 * adds to every hop of an order.
 */
export function threadTotals(pid) {
  try {
    let switches = 0;
    let waitNs = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      switches += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      waitNs += runQueueNs(pid, tid);
    }
    return { switches, waitMs: waitNs / 1e6 };
  } catch {
    return { switches: NaN, waitMs: NaN };
  }
}

function runQueueNs(pid, tid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
  } catch {
    // a thread that ended between the listing and the read waits no more; no such file: NaN
    return existsSync(`/proc/${pid}/task/${tid}`) ? NaN : 0;
  }
}

export function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

const cmdline = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
};
const pids = () => readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);

/**
 * The nats-server this run talks to: the only one on the machine, or the one whose command line
 * names the URL's port (several run here side by side). Undefined when it is not local.
 */
export function findNatsServer(natsUrl) {
  const port = /:(\d+)\s*$/.exec(natsUrl)?.[1] ?? '4222';
  const servers = pids().filter((pid) => /(^|\/)nats-server /.test(`${cmdline(pid)} `));
  if (servers.length === 1) return servers[0];
  return servers.find((pid) => new RegExp(`(-p|--port)[ =]${port}( |$)`).test(cmdline(pid)));
}

/**
 * The pids of a process's children: the kernel's list of them (/proc/<pid>/task/<tid>/children,
 * every thread's), or, where the kernel keeps none, every process whose parent it is.
 */
function childrenOf(pid) {
  try {
    const found = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (child) found.push(Number(child));
    }
    return found;
  } catch {
    return pids().filter((child) => stat(child)?.ppid === pid);
  }
}

// A backend's command line names its database from its start on: read once per process (its
// pid and start time, as pids are reused), not at every sample.
const titles = new Map();
const titleOf = (pid, startTime) => {
  const key = `${pid}:${startTime}`;
  let title = titles.get(key);
  if (title === undefined) titles.set(key, (title = cmdline(pid)));
  return title;
};

/**
 * A Postgres server as one figure and its parts: the postmaster's children now (each backend
 * names its database on its command line), and those that exited, which the kernel adds to the
 * postmaster's children's time once reaped. Returns a snapshot; `postgresCpu(a, b, databases)`
 * turns two into ms per part. A run samples it every second (backends come and go), so it reads
 * only the postmaster's children, not every process on the machine, and each one's title once:
 * with 64 backends, 6–10 ms of CPU per snapshot before, 3.6–4 ms after (what is left is mostly
 * each backend's context switches, read from every thread's status file).
 */
export function postgresSnapshot(postmasterPid) {
  const own = stat(postmasterPid);
  if (!own) return undefined;
  const children = new Map();
  for (const pid of childrenOf(postmasterPid)) {
    const s = stat(pid);
    if (s?.ppid === postmasterPid) children.set(pid, { cpuMs: s.cpuMs, ...threadTotals(pid), title: titleOf(pid, s.startTime) });
  }
  return { cpuMs: own.cpuMs, exitedMs: own.childrenCpuMs, children };
}

/**
 * `seen`: every child as last sampled during the run (pools close idle connections and open
 * new ones, so backends come and go): a backend that ended counts for its database up to its
 * last sample, and the rest of its time for `other`.
 */
export function postgresCpu(before, after, databases, seen = new Map()) {
  const parts = Object.fromEntries([...databases, 'other'].map((d) => [d, 0]));
  const partOf = (title) => databases.find((d) => title.split(' ').includes(d)) ?? 'other';
  let gone = 0;
  const last = new Map([...seen, ...after.children]);
  for (const [pid, child] of last) parts[partOf(child.title)] += child.cpuMs - (before.children.get(pid)?.cpuMs ?? 0);
  for (const [pid, child] of last) if (!after.children.has(pid)) gone += child.cpuMs;
  for (const [pid, child] of before.children) if (!last.has(pid)) gone += child.cpuMs;
  // postmaster, background processes, other databases' backends, and backends that exited
  parts.other += after.cpuMs - before.cpuMs + (after.exitedMs - before.exitedMs) - gone;
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

/**
 * Context switches (`field` 'switches') or time waiting for a core ('waitMs') of the Postgres
 * backends per service database between two snapshots, and of the rest (the server's own
 * processes). A backend's count runs up to its last sample, as its CPU does (`postgresCpu`); the
 * kernel keeps no total of the threads of exited ones.
 */
export function postgresThreads(before, after, databases, seen = new Map(), field = 'switches') {
  const parts = Object.fromEntries([...databases, 'other'].map((d) => [d, 0]));
  const partOf = (title) => databases.find((d) => title.split(' ').includes(d)) ?? 'other';
  for (const [pid, child] of new Map([...seen, ...after.children])) {
    const from = before.children.get(pid)?.[field] ?? 0;
    if (Number.isFinite(child[field]) && Number.isFinite(from)) parts[partOf(child.title)] += child[field] - from;
  }
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

/**
 * { busyMs, totalMs, switches } of every core together, from /proc/stat (idle and iowait are not
 * busy; `ctxt` is every context switch the machine made).
 */
export function machineCpu() {
  const stat = readFileSync('/proc/stat', 'utf8');
  const [, ...ticks] = stat.split('\n')[0].trim().split(/\s+/).map(Number);
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = ticks[3] + ticks[4];
  return { busyMs: ((total - idle) * 1000) / ticksPerSecond, totalMs: (total * 1000) / ticksPerSecond, switches: Number(/^ctxt (\d+)/m.exec(stat)?.[1] ?? NaN) };
}
