import { asAdmin, callAs, publishEvent, settled as settledNamespace, startServiceUnderTest, type ServiceUnderTest } from '@order-platform/shared/testing';
import type { EventPayloads, EventType, NatsConnection, Topology } from '@order-platform/shared';
import { startApi, type RunningApi } from '../../src/api/app.js';
import { loadApiConfig, loadWorkerConfig } from '../../src/config.js';
import { descriptor } from '../../src/descriptor.js';
import { startWorker, type RunningWorkerProcess } from '../../src/worker/worker.js';

/** HTTP calls as staff (admin). */
export const call = callAs(asAdmin());

export type AnalyticsService = ServiceUnderTest<RunningApi, RunningWorkerProcess>;

export function startAnalyticsService(options: { worker?: boolean; namespace?: string; env?: Record<string, string> } = {}): Promise<AnalyticsService> {
  return startServiceUnderTest({ descriptor, loadApiConfig, loadWorkerConfig, startApi, startWorker, env: options.env ?? {}, ...options });
}

/** Resolves once the worker has handled (acknowledged) every event published so far. */
export function settled(sut: AnalyticsService): Promise<void> {
  return settledNamespace(sut.api.resources.nc, sut.topology);
}

/** One event as a producer's relay would publish it; `msgId` other than the id simulates a redelivery. */
export interface Published<T extends EventType = EventType> {
  type: T;
  data: EventPayloads[T];
  id: string;
  msgId?: string;
}

/** Publishes into the service's namespace, or, given `{ nc, topology }`, into any. */
export async function publishAll(to: AnalyticsService | { nc: NatsConnection; topology: Topology }, events: Published[]): Promise<void> {
  const { nc, topology } = 'api' in to ? { nc: to.api.resources.nc, topology: to.topology } : to;
  for (const e of events) {
    const subject = 'orderId' in e.data ? e.data.orderId : (e.data as { sku: string }).sku;
    await publishEvent(nc, topology, e.type, e.data, { subject, id: e.id, ...(e.msgId ? { msgId: e.msgId } : {}) });
  }
}

export async function today(sut: AnalyticsService): Promise<Record<string, unknown>> {
  const response = await call(sut.api.url, 'GET', '/analytics/today');
  if (response.status !== 200) throw new Error(`today: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as Record<string, unknown>;
}

export async function range(sut: AnalyticsService, query: string): Promise<Record<string, unknown>> {
  const response = await call(sut.api.url, 'GET', `/analytics/range?${query}`);
  if (response.status !== 200) throw new Error(`range: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as Record<string, unknown>;
}
