import type { ConsoleConfig } from './config.js';

/** The services the console reads, each through its own HTTP API with the staff's token. */
export const serviceNames = ['order', 'stock', 'payment', 'notification', 'analytics'] as const;
export type ServiceName = (typeof serviceNames)[number];

/** down: the service did not answer at all (as opposed to answering with an error). */
export type Answer<T> = { ok: true; data: T } | { ok: false; service: string; problem: string; down: boolean };

export interface Services {
  call<T>(service: ServiceName, path: string, token: string, init?: { method?: string; body?: unknown }): Promise<Answer<T>>;
  label(service: ServiceName): string;
}

export function createServices(config: ConsoleConfig): Services {
  const urls: Record<ServiceName, string> = {
    order: config.orderUrl,
    stock: config.stockUrl,
    payment: config.paymentUrl,
    notification: config.notificationUrl,
    analytics: config.analyticsUrl,
  };
  const label = (service: ServiceName) => `${service}-service`;
  return {
    label,
    async call<T>(service: ServiceName, path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<Answer<T>> {
      const name = label(service);
      let response: Response;
      try {
        response = await fetch(`${urls[service]}${path}`, {
          method: init.method ?? 'GET',
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          signal: AbortSignal.timeout(config.serviceTimeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        return { ok: false, service: name, down: true, problem: timedOut ? `${name} did not answer within ${config.serviceTimeoutMs} ms` : `${name} does not answer (${urls[service]})` };
      }
      const text = await response.text().catch(() => '');
      if (!response.ok) return { ok: false, service: name, down: false, problem: `${name} answered ${response.status}${problemDetail(text)}` };
      try {
        return { ok: true, data: JSON.parse(text) as T };
      } catch {
        return { ok: false, service: name, down: false, problem: `${name} answered something that is not JSON` };
      }
    },
  };
}

/** The title and detail of a problem+json answer, when it is one. */
function problemDetail(text: string): string {
  try {
    const problem = JSON.parse(text) as { title?: string; detail?: string };
    const said = [problem.title, problem.detail].filter(Boolean).join(': ');
    return said ? `: ${said}` : '';
  } catch {
    return '';
  }
}
