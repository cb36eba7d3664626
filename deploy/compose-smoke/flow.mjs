#!/usr/bin/env node
// flow.mjs CHECK [args]: one check of the compose smoke test against the running stack, as a client
// on this machine sees it (published ports, bearer tokens), plus `docker inspect` / `docker exec`
// where only the engine can tell (container states, a worker replica's own metrics). Run by run.sh,
// which sets COMPOSE_SMOKE_DC (the docker-compose command with the derived file) and
// COMPOSE_SMOKE_PROJECT. Exits non-zero with the reason on the first thing that is not as it should be.
//
//   healthy PROFILE… [--order]  every service of those profiles has its containers up and healthy,
//                               migrators exited 0 (--order: and finished before their api and worker started)
//   ports                       every published port is on 127.0.0.1; NATS's client port is not published
//   orders                      confirmed, declined, and cancelled-after-confirmation orders; their mails
//   analytics                   analytics-service: its worker healthy and caught up, today's figures count the orders
//   console                     the operator console: sign-in page, an admin's sign-in, its pages; a customer refused
//   scale N                     N orders; every payment-service-worker replica handles some
//   streams                     the stream report through the app image (docker-compose run), and no dead letters
//   metrics                     Prometheus targets: every api and worker replica up; Grafana's provisioning
//   trace                       one order's trace, across the services, in Jaeger's query API
//
// The checks live beside it: stack-checks.mjs (healthy, ports, streams), order-checks.mjs (orders),
// analytics-check.mjs (analytics), console-check.mjs (console), scale-check.mjs (scale),
// observability-checks.mjs (metrics, trace); what they share is in
// check.mjs (output, failure, waits), stack.mjs (the engine's view) and client.mjs (HTTP as a client).
import { Failure } from './check.mjs';
import { healthy, ports, streams } from './stack-checks.mjs';
import { orders } from './order-checks.mjs';
import { analytics } from './analytics-check.mjs';
import { consoleCheck } from './console-check.mjs';
import { scale } from './scale-check.mjs';
import { metrics, trace } from './observability-checks.mjs';

const checks = { healthy, ports, orders, analytics, console: consoleCheck, scale, streams, metrics, trace };

const [name, ...args] = process.argv.slice(2);
if (!checks[name]) {
  console.error(`usage: flow.mjs ${Object.keys(checks).join('|')} [args]`);
  process.exit(64);
}
try {
  await checks[name](...args);
} catch (error) {
  console.error(`    FAIL ${name}: ${error instanceof Failure ? error.message : error.stack}`);
  process.exit(1);
}
