import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Fields every log line written inside a request or message handler carries. */
export interface LogContext {
  requestId?: string;
  correlationId?: string;
  traceId?: string;
  [key: string]: unknown;
}

const contextStore = new AsyncLocalStorage<LogContext>();

/**
 * Fields never written out, however deep a caller nests them: secrets in a config object
 * logged by mistake, card tokens and bearer credentials. A second line of defence: code should
 * not log them in the first place.
 */
export const redactedPaths = [
  'natsPassword', '*.natsPassword', 'password', '*.password', 'pass', '*.pass',
  'token', '*.token', '*.*.token', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
];

export interface LoggerOptions {
  service: string;
  process: string;
  level?: LevelWithSilent;
  destination?: pino.DestinationStream;
}

/**
 * JSON logs on stdout with the service and process names on every line. The mixin adds the
 * current request / message context, so code deep in a use case that only holds the base
 * logger still writes correlated lines.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, process: options.process },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => contextStore.getStore() ?? {},
      serializers: { err: pino.stdSerializers.errWithCause },
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    options.destination,
  );
}

export function withLogContext<T>(context: LogContext, fn: () => T): T {
  const parent = contextStore.getStore();
  return contextStore.run(parent ? { ...parent, ...context } : context, fn);
}

export function currentLogContext(): LogContext | undefined {
  return contextStore.getStore();
}
