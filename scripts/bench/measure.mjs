// make bench's measurements: the SMTP sink in its own process, the processes whose cost a run
// reports, and a snapshot of every counter (round trips, CPU, transactions, stream messages).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { findNatsServer, machineCpu, postgresSnapshot, stat, threadTotals } from './processes.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The SMTP sink in a process of its own (scripts/bench/mail-counter.mjs). */
export async function startSink() {
  const child = fork(fileURLToPath(new URL('./mail-counter.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (c) => reject(new Error(`the SMTP sink exited (${c})`)));
  });
  const counts = [];
  child.on('message', (m) => counts.shift()?.(m.count));
  return {
    port,
    pid: child.pid,
    count: () => new Promise((resolve) => {
      counts.push(resolve);
      child.send('count');
    }),
    close: () => child.kill(),
  };
}

/**
 * What a run measures with: its admin connection to Postgres, its NATS connection, namespace,
 * databases and the directory the apis and workers write their round-trip counts to.
 */
export function meter({ admin, nc, natsUrl, namespace, database, queryDir, clock }) {
  return {
    /** Every process whose cost a run reports, with its pid where it runs on this machine. */
    async measuredProcesses(stack, sink) {
      // a service's api and worker, or both in one process (PROCESSES=combined: `<service>-api+worker`)
      const isService = (name) => /-(api|worker|api\+worker)$/.test(name);
      const nodes = stack.children.filter(({ name }) => isService(name)).map(({ name, child }) => ({ name, pid: child.pid }));
      const others = [
        ...stack.children.filter(({ name }) => !isService(name)).map(({ name, child }) => ({ name: `${name} (stub)`, pid: child.pid })),
        { name: 'generator (bench)', pid: process.pid },
        { name: 'SMTP sink', pid: sink.pid },
      ];
      const nats = findNatsServer(natsUrl);
      if (nats) others.push({ name: 'nats-server', pid: nats });
      // the Postgres server: the parent of our own backend, when it runs on this machine
      const { rows: [{ pid: backend }] } = await admin.query('select pg_backend_pid() as pid');
      const isPostgres = (pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres');
        } catch {
          return false;
        }
      };
      const postmaster = isPostgres(backend) ? stat(backend)?.ppid : undefined;
      return { nodes, others, postmaster: postmaster && isPostgres(postmaster) ? postmaster : undefined, nats };
    },

  async snapshot(measured) {
      // one round-trip count per api and worker, all read at once (query-counter.mjs writes on SIGUSR2)
      const readCount = (pid) => {
        try {
          return readFileSync(join(queryDir, String(pid)), 'utf8').split(' ').map(Number);
        } catch {
          return [0, 0];
        }
      };
      const seen = new Map(measured.nodes.map((p) => [p.pid, readCount(p.pid)[0]]));
      for (const p of measured.nodes) process.kill(p.pid, 'SIGUSR2');
      const queries = {};
      for (const p of measured.nodes) {
        for (let i = 0; readCount(p.pid)[0] === seen.get(p.pid) && i < 100; i++) await sleep(20);
        queries[p.name] = readCount(p.pid)[1];
      }
      const at = clock();
      const machine = machineCpu();
      const cpu = Object.fromEntries([...measured.nodes, ...measured.others].map((p) => [p.name, stat(p.pid)?.cpuMs ?? NaN]));
      const threads = [...measured.nodes, ...measured.others].map((p) => [p.name, threadTotals(p.pid)]);
      const wakeUps = Object.fromEntries(threads.map(([name, t]) => [name, t.switches]));
      const waits = Object.fromEntries(threads.map(([name, t]) => [name, t.waitMs]));
      const postgres = measured.postmaster ? postgresSnapshot(measured.postmaster) : undefined;
      const { rows } = await admin.query('select datname, xact_commit + xact_rollback as xacts from pg_stat_database where datname = any($1)', [Object.values(database)]);
      const xacts = Object.fromEntries(rows.map((r) => [r.datname, Number(r.xacts)]));
      const jsm = await jetstreamManager(nc);
      const streams = {};
      for await (const s of jsm.streams.list()) if (s.config.name.startsWith(`${namespace}_`)) streams[s.config.name.slice(namespace.length + 1)] = s.state.messages;
      return { at, machine, queries, cpu, switches: wakeUps, waits, postgres, xacts, streams };
    },
  };
}
