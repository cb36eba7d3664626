import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import type { Logger } from '@order-platform/shared';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Customer, CustomerDirectory } from '../domain/customer.js';


export interface DirectorySettings {
  url: string;
  timeoutMs: number;
  retries: number;
  breakerFailures: number;
  breakerHalfOpenMs: number;
}

class UnknownCustomer extends Error {}

/**
 * The customer directory over HTTP (`GET /customers/:id`), behind cockatiel policies: a timeout
 * per call, a few quick retries, and a circuit breaker around them that opens after
 * `breakerFailures` consecutive failed calls. While it is open, lookups answer `unavailable` at
 * once, so a dead directory costs the queue nothing; after `breakerHalfOpenMs` one trial call
 * decides whether it closes again. A 404 is an answer, not a failure.
 */
export function httpCustomerDirectory(settings: DirectorySettings, log: Logger, registry?: Registry): CustomerDirectory {
  const metrics = directoryMetrics(registry);
  const countsAsFailure = handleWhen((error) => !(error instanceof UnknownCustomer));
  const breaker = circuitBreaker(countsAsFailure, {
    halfOpenAfter: settings.breakerHalfOpenMs,
    breaker: new ConsecutiveBreaker(settings.breakerFailures),
  });
  breaker.onBreak(() => log.warn({ halfOpenAfterMs: settings.breakerHalfOpenMs }, 'customer directory circuit opened: notifications use fallback data'));
  breaker.onHalfOpen(() => log.info('customer directory circuit half-open: trying one lookup'));
  breaker.onReset(() => log.info('customer directory circuit closed'));
  breaker.onStateChange((state) => metrics.state.set(state === CircuitState.Closed ? 0 : state === CircuitState.HalfOpen ? 2 : 1));
  const retries = retry(
    handleWhen((error) => !(error instanceof UnknownCustomer) && !(error instanceof BrokenCircuitError)),
    { maxAttempts: settings.retries, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }) },
  );
  const policy = wrap(retries, breaker, timeout(settings.timeoutMs, TimeoutStrategy.Aggressive));
  const base = settings.url.replace(/\/+$/, '');

  return {
    async find(customerId) {
      try {
        // A signal of this lookup's own: without one, cockatiel hangs every lookup's abort
        // listener on one shared signal, and Node warns of a leak ("MaxListenersExceededWarning")
        // once more than ten lookups are under way at once, which a batch of mails makes.
        const customer = await policy.execute(({ signal }) => fetchCustomer(`${base}/customers/${encodeURIComponent(customerId)}`, signal), new AbortController().signal);
        metrics.lookups.inc({ outcome: 'found' });
        return { status: 'found', customer };
      } catch (error) {
        if (error instanceof UnknownCustomer) {
          metrics.lookups.inc({ outcome: 'unknown' });
          return { status: 'unknown' };
        }
        const reason =
          error instanceof BrokenCircuitError
            ? 'circuit open'
            : error instanceof TaskCancelledError
              ? `timed out after ${settings.timeoutMs} ms`
              : (error as Error).message;
        metrics.lookups.inc({ outcome: error instanceof BrokenCircuitError ? 'circuit_open' : 'failed' });
        log.warn({ customerId, reason }, 'customer directory lookup failed: using fallback data');
        return { status: 'unavailable', reason };
      }
    },
  };
}

async function fetchCustomer(url: string, signal: AbortSignal): Promise<Customer> {
  const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (response.status === 404) {
    await response.arrayBuffer();
    throw new UnknownCustomer();
  }
  if (!response.ok) {
    await response.arrayBuffer();
    throw new Error(`customer directory answered ${response.status}`);
  }
  const body = (await response.json()) as Partial<Customer>;
  if (typeof body.name !== 'string' || typeof body.email !== 'string' || !body.email.includes('@')) {
    throw new Error('customer directory answered without a name and an email address');
  }
  return { id: String(body.id ?? ''), name: body.name, email: body.email };
}

function directoryMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    state: new Gauge({ name: 'customer_directory_circuit_state', help: 'customer directory circuit: 0 closed, 1 open, 2 half-open', registers }),
    lookups: new Counter({ name: 'customer_directory_lookups_total', help: 'customer lookups by outcome', labelNames: ['outcome'], registers }),
  };
}
