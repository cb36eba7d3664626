// make bench's report: the figures of a run from its snapshots before and after, printed as
// the run's summary and returned for the JSON and chart.
import { cpus } from 'node:os';
import { postgresCpu, postgresThreads } from './processes.mjs';
import { services } from '../stack.mjs';

export function int(n) {
  return Math.round(n).toLocaleString('en-US');
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

export function report({ settings, mode, run, database, out, clock }, { backendsSeen, before, after, t0, endedAt, driven, results, accepted, refused, refusals, unfinished, placedAt, rss, ceilings, ceilingsAfter, measured }) {
  const n = results.length;
  const seconds = (endedAt - t0) / 1000;
  const perOrder = (v) => (n ? v / n : NaN);
  const fixed = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const latencies = results.filter((r) => r.kind === 'confirmed').map((r) => r.latency).sort((a, b) => a - b);
  const fromOrderPost = results.filter((r) => r.kind === 'confirmed').map((r) => r.fromOrderPost).sort((a, b) => a - b);
  const latencyMs = { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN };
  const orderPostMs = { p50: percentile(fromOrderPost, 50), p95: percentile(fromOrderPost, 95), p99: percentile(fromOrderPost, 99), max: fromOrderPost.at(-1) ?? NaN };
  const confirmed = results.filter((r) => r.kind === 'confirmed').length;
  const ordersPerSecond = n / seconds;
  const ms = (v) => `${Number.isFinite(v) ? v.toFixed(v < 10 ? 1 : 0) : '-'} ms`;

  const placing = settings.idle ? `one at a time` : settings.rate ? `target ${settings.rate}/s${driven.late ? `; the generator fell behind: ${driven.late} orders started over 10 ms late, the latest by ${driven.lateMs.toFixed(0)} ms (counted in their latency)` : ', on time'}` : `${settings.concurrency} in flight`;
  out(`orders placed: ${accepted} in ${driven.seconds.toFixed(1)} s (${(accepted / driven.seconds).toFixed(0)}/s, ${placing})${refused ? `, ${refused} refused (${Object.entries(refusals).map(([why, k]) => `${k}× ${why}`).join(', ')})` : ''}`);
  out(`orders ended: ${confirmed} confirmed, ${n - confirmed} cancelled, ${unfinished} unfinished, in ${seconds.toFixed(1)} s -> ${ordersPerSecond.toFixed(0)} orders/s reached a terminal state`);
  out(`latency first POST -> orders.confirmed: p50 ${ms(latencyMs.p50)}, p95 ${ms(latencyMs.p95)}, p99 ${ms(latencyMs.p99)}, max ${ms(latencyMs.max)}${settings.rate ? ' (from when each order was due)' : ''}`);
  out(`latency POST /orders -> orders.confirmed: p50 ${ms(orderPostMs.p50)}, p95 ${ms(orderPostMs.p95)}, p99 ${ms(orderPostMs.p99)}, max ${ms(orderPostMs.max)}`);

  const name = Object.fromEntries(services.map((s) => [database[s.dir], s.name]));
  const txByService = Object.fromEntries(Object.keys(after.xacts).map((db) => [name[db], perOrder(after.xacts[db] - (before.xacts[db] ?? 0))]));
  const txPerOrder = Object.values(txByService).reduce((a, b) => a + b, 0);
  const roundTripsByProcess = Object.fromEntries(Object.keys(after.queries).map((p) => [p, perOrder(after.queries[p] - before.queries[p])]));
  const roundTripsPerOrder = Object.values(roundTripsByProcess).reduce((a, b) => a + b, 0);
  const messagesByStream = Object.fromEntries(Object.keys(after.streams).map((s) => [s, perOrder(after.streams[s] - (before.streams[s] ?? 0))]));
  const messagesPerOrder = Object.entries(messagesByStream).filter(([s]) => s !== 'DLQ').reduce((a, [, v]) => a + v, 0);
  const list = (o, d = 1) => Object.entries(o).map(([k, v]) => `${k} ${fixed(v, d)}`).join(', ');
  out(`per order: ${fixed(txPerOrder, 1)} Postgres transactions (${list(txByService)}), ${fixed(roundTripsPerOrder, 1)} round trips (${list(roundTripsByProcess)}), ${fixed(messagesPerOrder, 1)} JetStream messages (${list(messagesByStream)})`);
  const txRate = ordersPerSecond * txPerOrder;
  const msgRate = ordersPerSecond * messagesPerOrder;
  out(`against the raw ceilings: ${int(txRate)} tx/s of Postgres' ${int(ceilings.postgres.txPerSecond)} (${fixed((100 * txRate) / ceilings.postgres.txPerSecond, 0)} %), ${int(msgRate)} JetStream messages/s of its ${int(ceilings.jetstream.publishesPerSecond)} publishes/s (${fixed((100 * msgRate) / ceilings.jetstream.publishesPerSecond, 0)} %)`);
  const drift = ceilingDrift(ceilings, ceilingsAfter);
  out(`raw ceilings again after the run (the system stopped): Postgres ${int(ceilingsAfter.postgres.txPerSecond)} tx/s (${signed(drift.postgres)} %), JetStream ${int(ceilingsAfter.jetstream.publishesPerSecond)} publishes/s (${signed(drift.jetstream)} %)${drift.unsteady ? `; Postgres' ceiling moved by more than ${DRIFT_WARNING_PERCENT} %: the machine's speed changed during the run, so compare its figures only with runs of the same minutes` : ''}`);

  const cpuMs = Object.fromEntries(Object.keys(after.cpu).map((p) => [p, perOrder(after.cpu[p] - before.cpu[p])]));
  const switches = Object.fromEntries(Object.keys(after.switches).map((p) => [p, perOrder(after.switches[p] - before.switches[p])]));
  const waited = Object.fromEntries(Object.keys(after.waits ?? {}).map((p) => [p, perOrder(after.waits[p] - before.waits[p])]));
  if (before.postgres && after.postgres) {
    const pgCpu = postgresCpu(before.postgres, after.postgres, Object.keys(name), backendsSeen);
    const pgSwitches = postgresThreads(before.postgres, after.postgres, Object.keys(name), backendsSeen, 'switches');
    const pgWaited = postgresThreads(before.postgres, after.postgres, Object.keys(name), backendsSeen, 'waitMs');
    cpuMs['postgres (all processes)'] = perOrder(pgCpu.total);
    switches['postgres (all processes)'] = perOrder(pgSwitches.total);
    waited['postgres (all processes)'] = perOrder(pgWaited.total);
    // the rest: the postmaster, wal writer, checkpointer, autovacuum, backends that ended, other databases'
    for (const [db, v] of Object.entries(pgCpu.parts)) {
      const part = db === 'other' ? '  the rest (wal, vacuum, …)' : `  backends of ${name[db]}`;
      cpuMs[part] = perOrder(v);
      switches[part] = perOrder(pgSwitches.parts[db]);
      waited[part] = perOrder(pgWaited.parts[db]);
    }
  }
  const wallMs = after.at - before.at;
  const cores = Object.entries(cpuMs).filter(([k]) => !k.startsWith('  ')).reduce((a, [, v]) => a + (Number.isFinite(v) ? v : 0), 0) / perOrder(wallMs);
  const machine = {
    cores: cpus().length,
    busyCores: (after.machine.busyMs - before.machine.busyMs) / wallMs,
    measuredCores: cores,
    switchesPerOrder: perOrder(after.machine.switches - before.machine.switches),
  };
  out(`CPU ms per order (${n} orders, ${(wallMs / 1000).toFixed(1)} s): the processes measured used ${cores.toFixed(2)} cores on average, the machine ${machine.busyCores.toFixed(2)} of its ${machine.cores}${machine.busyCores - cores > 0.25 ? ` (other work used ${(machine.busyCores - cores).toFixed(2)}: throughput and latency are understated)` : ''}`);
  out(`  and context switches per order (each a process or thread that stopped to wait and was woken, or was preempted): the machine made ${fixed(machine.switchesPerOrder, 0)}`);
  // how long each one was ready to run and waited for a core: what a busy machine adds to an order's hops
  const anyWait = Object.values(waited).some(Number.isFinite);
  if (anyWait) out('  and ms per order each one was ready to run but waited for a core (the kernel\'s schedstat), and that per switch in µs: what a busy machine adds to every hop');
  out(`  ${'process'.padEnd(27)} ${'CPU ms'.padStart(6)}  ${'switches'.padStart(8)}${anyWait ? `  ${'waited ms'.padStart(9)}  ${'µs/switch'.padStart(9)}` : ''}`);
  const perSwitchUs = (p) => (1000 * waited[p]) / switches[p];
  for (const [p, v] of Object.entries(cpuMs)) out(`  ${p.padEnd(27)} ${fixed(v).padStart(6)}  ${fixed(switches[p], 1).padStart(8)}${anyWait ? `  ${fixed(waited[p]).padStart(9)}  ${fixed(perSwitchUs(p), 0).padStart(9)}` : ''}`);
  if (!measured.postmaster) out('  (postgres: not on this machine, not measured)');
  if (!measured.nats) out('  (nats-server: not found on this machine, not measured)');

  // First and last are medians of a window each (a tenth of the run, at most 60 s), the first
  // after a settling time as long: one sample can fall on a collection's peak. A 10-minute run at
  // 100/s read order-worker 165 MB at its 60th second, 121 MB from its 90th to its end.
  const window = Math.max(2, Math.min(60, seconds / 10));
  const warmUp = window;
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const memory = {};
  for (const p of measured.nodes) {
    const series = rss.map((s) => [s.t, s.kb[p.name]]).filter(([, kb]) => Number.isFinite(kb));
    if (series.length === 0) continue;
    const end = series.at(-1)[0];
    const firstWindow = series.filter(([t]) => t >= warmUp && t < warmUp + window);
    const lastWindow = series.filter(([t]) => t > end - window);
    const first = median((firstWindow.length ? firstWindow : series.slice(0, 1)).map(([, kb]) => kb));
    const last = median(lastWindow.map(([, kb]) => kb));
    const perMinute = [];
    for (let minute = 0; minute * 60 < end; minute++) {
      const inMinute = series.filter(([t]) => t >= minute * 60 && t < (minute + 1) * 60).map(([, kb]) => kb);
      if (inMinute.length) perMinute.push(median(inMinute) / 1024);
    }
    memory[p.name] = { firstMb: first / 1024, firstFromSeconds: warmUp, windowSeconds: window, lastMb: last / 1024, maxMb: Math.max(...series.map(([, kb]) => kb)) / 1024, driftPercent: (100 * (last - first)) / first, perMinuteMb: perMinute, samples: series.length };
  }
  out(`worker RSS MB over the run (median of ${window.toFixed(0)} s from second ${warmUp.toFixed(0)} / median of the last ${window.toFixed(0)} s / max, drift last vs first):`);
  // workers, or a service's api and worker in one process (PROCESSES=combined)
  const isWorker = (p) => /-(api\+)?worker$/.test(p);
  for (const [p, m] of Object.entries(memory).filter(([p]) => isWorker(p))) out(`  ${p.padEnd(20)} ${m.firstMb.toFixed(0)} / ${m.lastMb.toFixed(0)} / ${m.maxMb.toFixed(0)}  ${m.driftPercent >= 0 ? '+' : ''}${m.driftPercent.toFixed(1)} %`);
  if (seconds >= 300) {
    out('  median per minute:');
    for (const [p, m] of Object.entries(memory).filter(([p]) => isWorker(p))) out(`  ${p.padEnd(20)} ${m.perMinuteMb.map((mb) => mb.toFixed(0)).join(' ')}`);
  }

  const workers = measured.nodes.filter((p) => isWorker(p.name)).map((p) => p.name);
  const rssSeries = rss.map((s) => ({ t: s.t, mb: Object.fromEntries(workers.map((w) => [w, s.kb[w] / 1024])) }));

  const perSecond = [];
  for (let second = 0; second < Math.ceil(seconds); second++) perSecond.push({ second, finished: 0, placed: 0, latencies: [] });
  for (const r of results) {
    const s = perSecond[Math.floor((r.at - t0) / 1000)];
    if (s) {
      s.finished++;
      if (r.kind === 'confirmed') s.latencies.push(r.latency);
    }
  }
  for (const at of placedAt) {
    const s = perSecond[Math.floor((at - t0) / 1000)];
    if (s) s.placed++;
  }
  for (const s of perSecond) {
    s.latencies.sort((a, b) => a - b);
    Object.assign(s, { p50: s.latencies.length ? percentile(s.latencies, 50) : null, p99: s.latencies.length ? percentile(s.latencies, 99) : null });
    delete s.latencies;
  }
  return {
    run, mode, settings, startedAt: new Date(Date.now() - (clock() - t0)).toISOString(), ceilings, ceilingsAfter, ceilingDrift: drift,
    orders: { accepted, refused, refusals, confirmed, cancelled: n - confirmed, unfinished, seconds, lateStarts: driven.late, latestStartMs: driven.lateMs },
    ordersPerSecond, latencyMs, orderPostLatencyMs: orderPostMs,
    perOrder: { transactions: txPerOrder, transactionsByService: txByService, roundTrips: roundTripsPerOrder, roundTripsByProcess, jetStreamMessages: messagesPerOrder, jetStreamMessagesByStream: messagesByStream, cpuMs: Object.fromEntries(Object.entries(cpuMs).map(([k, v]) => [k.trim(), v])), contextSwitches: Object.fromEntries(Object.entries(switches).map(([k, v]) => [k.trim(), v])), waitedForCoreMs: Object.fromEntries(Object.entries(waited).map(([k, v]) => [k.trim(), v])) },
    machine, rssMb: memory, perSecond, rssSeries,
  };
}

/** Beyond this change of the Postgres ceiling between before and after a run, the run says its machine was unsteady. */
export const DRIFT_WARNING_PERCENT = 15;

/**
 * How far each raw ceiling moved from before the run to after it, in % of before. Only the
 * Postgres one judges the machine: it is measured for a fixed time on 8 connections, while the
 * JetStream one is a burst of BENCH_RAW_JS_MESSAGES whose first measurement also warms up the
 * client (a few thousand publishes moved by +145 % between before and after in one quiet minute).
 */
export function ceilingDrift(before, after) {
  const change = (a, b) => (100 * (b - a)) / a;
  const postgres = change(before.postgres.txPerSecond, after.postgres.txPerSecond);
  const jetstream = change(before.jetstream.publishesPerSecond, after.jetstream.publishesPerSecond);
  return { postgres, jetstream, unsteady: Math.abs(postgres) > DRIFT_WARNING_PERCENT };
}

function signed(percent) {
  return `${percent >= 0 ? '+' : '−'}${Math.abs(percent).toFixed(0)}`;
}
