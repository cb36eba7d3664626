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
  let config: C;
  try {
    config = options.loadConfig();
  } catch (error) {
    const log = createLogger({ service: options.service, process: options.process });
    if (error instanceof ConfigError) log.fatal({ problems: error.problems }, 'invalid configuration: fix the environment and restart');
    else log.fatal({ err: error }, 'could not load configuration');
    process.exit(exitCodes.config);
  }
  const log = createLogger({ service: options.service, process: options.process, level: config.logLevel as LevelWithSilent });
  const tracing = await startTracing({ service: options.service, endpoint: config.otelEndpoint, sampleRatio: config.otelSampleRatio, log });
  await runProcess(log, async () => {
    const running = await options.start(config, log);
    return {
      async stop() {
        await running.stop();
        await tracing.shutdown();
      },
    };
  });
}

/**
 * Runs a process: starts it, and on SIGTERM or SIGINT stops taking work, lets in-flight work
 * finish and exits 0. A second signal, or a stop slower than `shutdownTimeoutMs`, exits 1.
 */
export async function runProcess(log: Logger, start: () => Promise<Stoppable>, options: { shutdownTimeoutMs?: number } = {}): Promise<void> {
  let running: Stoppable | undefined;
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(exitCodes.failure);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    // still waiting for Postgres or NATS: nothing taken, nothing in flight
    if (!running) {
      log.info('stopped before it was ready');
      process.exit(exitCodes.ok);
    }
    const timer = setTimeout(() => {
      log.error({ timeoutMs: options.shutdownTimeoutMs ?? 30_000 }, 'shutdown took too long: exiting');
      process.exit(exitCodes.failure);
    }, options.shutdownTimeoutMs ?? 30_000);
    timer.unref();
    running.stop().then(
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
    running = await start();
  } catch (error) {
    log.fatal({ err: error }, 'could not start');
    process.exit(isUnavailable(error) ? exitCodes.unavailable : exitCodes.failure);
  }
}
