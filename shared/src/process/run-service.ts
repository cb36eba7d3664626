import type { LevelWithSilent } from 'pino';
import { ConfigError } from '../config/spec.js';
import { createLogger, type Logger } from '../logger.js';
import { startTracing } from '../tracing.js';
import { isUnavailable } from '../errors.js';

export { isUnavailable };

export interface Stoppable {
  stop(): Promise<void>;
}

/** Exit codes an operator can act on (sysexits.h). */
export const exitCodes = { ok: 0, failure: 1, config: 78, unavailable: 69 } as const;

/** One part of a service a process runs: its api, or its worker. */
export interface ServiceComponent<C extends { logLevel: string; otelEndpoint?: string; otelSampleRatio?: number }> {
  /** `api` or `worker`: the `process` field of its log lines */
  process: string;
  loadConfig: () => C;
  start: (config: C, log: Logger) => Promise<Stoppable>;
}

type AnyComponent = ServiceComponent<{ logLevel: string; otelEndpoint?: string; otelSampleRatio?: number }>;

/** A component with its own config type, for `runServiceComponents`' list. */
export function serviceComponent<C extends { logLevel: string; otelEndpoint?: string; otelSampleRatio?: number }>(component: ServiceComponent<C>): AnyComponent {
  return component as unknown as AnyComponent;
}

/**
 * The entry point of every process: load and validate config (a bad one exits 78 with every
 * problem listed), start tracing if an OTLP endpoint is configured, then run `start` under
 * signal handling (SIGTERM: finish in-flight work, flush spans, exit 0).
 */
export async function runService<C extends { logLevel: string; otelEndpoint?: string; otelSampleRatio?: number }>(options: {
  service: string;
  process: string;
  loadConfig: () => C;
  start: (config: C, log: Logger) => Promise<Stoppable>;
}): Promise<void> {
  await runServiceComponents(options.service, [serviceComponent(options)]);
}

/**
 * Runs several parts of one service in one process, as `runService` runs one: a service's api
 * and its worker together (`<service>/src/main.ts`), for a machine where processes cost more
 * than they give (each api and worker process wakes for every request or message it sees; on
 * two cores, fifteen of them spent more on waking than on work). Every config is loaded first,
 * so a bad environment is reported for all of them at once; each part logs under its own
 * `process` and keeps its own pools, connections and metrics, exactly as it would alone. A
 * signal stops all of them side by side (the api stops accepting and finishes its requests,
 * the worker its batches), and the process exits once every one has stopped.
 */
export async function runServiceComponents(service: string, components: AnyComponent[]): Promise<void> {
  const name = components.map((c) => c.process).join('+');
  const configs: { logLevel: string; otelEndpoint?: string; otelSampleRatio?: number }[] = [];
  let invalid = false;
  for (const component of components) {
    try {
      configs.push(component.loadConfig());
    } catch (error) {
      const log = createLogger({ service, process: component.process });
      if (error instanceof ConfigError) log.fatal({ problems: error.problems }, 'invalid configuration: fix the environment and restart');
      else log.fatal({ err: error }, 'could not load configuration');
      invalid = true;
    }
  }
  if (invalid) process.exit(exitCodes.config);
  const [first] = configs as [(typeof configs)[number]];
  const log = createLogger({ service, process: name, level: first.logLevel as LevelWithSilent });
  const tracing = await startTracing({ service, endpoint: first.otelEndpoint, sampleRatio: first.otelSampleRatio, log });
  await runProcess(log, async (started) => {
    const running: Stoppable[] = [];
    try {
      for (const [i, component] of components.entries()) {
        const config = configs[i]!;
        const componentLog = components.length === 1 ? log : createLogger({ service, process: component.process, level: config.logLevel as LevelWithSilent });
        const part = await component.start(config, componentLog);
        running.push(part);
        started(part);
      }
    } catch (error) {
      // what started already lets go of its connections before the process exits
      await Promise.allSettled(running.map((r) => r.stop()));
      throw error;
    }
    return {
      async stop() {
        const stopped = await Promise.allSettled(running.map((r) => r.stop()));
        await tracing.shutdown();
        const failed = stopped.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) throw failed.reason;
      },
    };
  });
}

/**
 * Runs a process: starts it, and on SIGTERM or SIGINT stops taking work, lets in-flight work
 * finish and exits 0. A second signal, or a stop slower than `shutdownTimeoutMs`, exits 1.
 * A process made of parts that start one after another (`runServiceComponents`) hands each one
 * to `started` as it comes up: a signal before the last has started stops those that have (an
 * api finishes its requests), and a part that comes up meanwhile, and exits 0 without waiting
 * for a part still waiting for its dependencies.
 */
export async function runProcess(log: Logger, start: (started: (part: Stoppable) => void) => Promise<Stoppable>, options: { shutdownTimeoutMs?: number } = {}): Promise<void> {
  let running: Stoppable | undefined;
  const parts: Stoppable[] = [];
  const stoppedEarly = new Set<Stoppable>();
  let lateParts: Promise<unknown> = Promise.resolve();
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(exitCodes.failure);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    // still waiting for Postgres or NATS: nothing taken, nothing in flight
    if (!running && parts.length === 0) {
      log.info('stopped before it was ready');
      process.exit(exitCodes.ok);
    }
    const timer = setTimeout(() => {
      log.error({ timeoutMs: options.shutdownTimeoutMs ?? 30_000 }, 'shutdown took too long: exiting');
      process.exit(exitCodes.failure);
    }, options.shutdownTimeoutMs ?? 30_000);
    timer.unref();
    // the whole process, or, while a later part is still starting, the parts that have started
    // (and one that comes up meanwhile, below)
    const stopped = running
      ? running.stop()
      : Promise.all(parts.map((part) => (stoppedEarly.add(part), part.stop()))).then(() => lateParts);
    stopped.then(
      () => {
        log.info('stopped');
        process.exit(exitCodes.ok);
      },
      (error: unknown) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(exitCodes.failure);
      },
    );
  };
  // before start: a process waiting for its dependencies must still stop on the first signal
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
  try {
    running = await start((part) => parts.push(part));
    // a signal came while a part was still starting: those up then are stopping; so do the rest
    if (stopping && stoppedEarly.size > 0) lateParts = Promise.all(parts.filter((part) => !stoppedEarly.has(part)).map((part) => part.stop()));
  } catch (error) {
    log.fatal({ err: error }, 'could not start');
    process.exit(isUnavailable(error) ? exitCodes.unavailable : exitCodes.failure);
  }
}
