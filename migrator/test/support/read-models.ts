import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { asAdmin, callAs, publishEvent, startServiceUnderTest, type ServiceUnderTest } from '@order-platform/shared/testing';
import type { EventPayloads, EventType, RunningApi, RunningWorkerProcess } from '@order-platform/shared';
import { startApi as startAnalyticsApi } from 'analytics-service/api';
import { loadApiConfig as analyticsApiConfig, loadWorkerConfig as analyticsWorkerConfig } from 'analytics-service/config';
import { descriptor as analyticsDescriptor } from 'analytics-service/descriptor';
import { startWorker as startAnalyticsWorker } from 'analytics-service/worker';
import { startApi as startOrderApi } from 'order-service/api';
import { loadApiConfig as orderApiConfig, loadWorkerConfig as orderWorkerConfig } from 'order-service/config';
import { descriptor as orderDescriptor } from 'order-service/descriptor';
import { startWorker as startOrderWorker } from 'order-service/worker';

export type Sut = ServiceUnderTest<RunningApi, RunningWorkerProcess>;

export const call = callAs(asAdmin());

export function startAnalytics(): Promise<Sut> {
  return startServiceUnderTest({
    descriptor: analyticsDescriptor, loadApiConfig: analyticsApiConfig, loadWorkerConfig: analyticsWorkerConfig,
    startApi: (c, l) => startAnalyticsApi(c, l), startWorker: (c, l) => startAnalyticsWorker(c, l),
  });
}

export function startOrders(): Promise<Sut> {
  return startServiceUnderTest({
    descriptor: orderDescriptor, loadApiConfig: orderApiConfig, loadWorkerConfig: orderWorkerConfig,
    startApi: (c, l) => startOrderApi(c, l), startWorker: (c, l) => startOrderWorker(c, l),
  }) as Promise<Sut>;
}

export function publish<T extends EventType>(sut: Sut, type: T, data: EventPayloads[T], subject: string): Promise<string> {
  return publishEvent(sut.api.resources.nc, sut.topology, type, data, { subject });
}

/** An orders.created placed `minutesIntoToday` after today's UTC midnight. */
export function orderCreated(minutesIntoToday: number): EventPayloads['orders.created'] {
  const now = new Date();
  const createdAt = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + minutesIntoToday * 60_000).toISOString();
  const total = { amount: 1000, currency: 'EUR' };
  return {
    orderId: crypto.randomUUID(), customerId: 'cust-ada', items: [{ sku: 'KETTLE-1', quantity: 1, unitPrice: total }], total,
    payment: { method: 'card', paymentMethodId: `pm_${crypto.randomUUID()}` }, createdAt,
  };
}

const replayMain = fileURLToPath(new URL('../../src/replay.ts', import.meta.url));

/** Runs the operator command (`make replay` / `make rebuild`) against a service under test; resolves with its output. */
export function runReplayTool(sut: Sut, args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', replayMain, ...args], {
    env: { ...process.env, NATS_URL: sut.env['NATS_URL'], NATS_NAMESPACE: sut.topology.namespace, DATABASE_URL: sut.database.ownerUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}
