import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

// for services' own metrics, so they need no prom-client of their own
export { Counter, Gauge, Registry };

/**
 * How often Node's event-loop delay monitor samples (`nodejs_eventloop_lag_*`), in ms. The
 * monitor is a libuv timer that wakes the process each time; prom-client's default of 10 ms
 * woke every api and worker 100 times a second, about half of what an idle system cost (an
 * idle `make dev` stack: 0.20–0.25 cores at 10 ms, 0.12–0.13 at 100 ms, from /proc/stat).
 * At 100 ms a stall long enough to matter still shows in the max and the percentiles.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** One registry per process, with Node's default metrics and the service/process labels. */
export function createRegistry(labels: { service: string; process: string }): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return registry;
}
