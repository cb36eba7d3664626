import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

// for services' own metrics, so they need no prom-client of their own
export { Counter, Gauge, Registry };

/** One registry per process, with Node's default metrics and the service/process labels. */
export function createRegistry(labels: { service: string; process: string }): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}
