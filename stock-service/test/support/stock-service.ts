import { startServiceUnderTest, type ServiceUnderTest } from '@order-platform/shared/testing';
import { startApi, type RunningApi } from '../../src/api/app.js';
import { loadApiConfig, loadWorkerConfig } from '../../src/config.js';
import { descriptor } from '../../src/descriptor.js';
import { startWorker, type RunningWorkerProcess } from '../../src/worker/worker.js';

export type StockService = ServiceUnderTest<RunningApi, RunningWorkerProcess>;

export function startStockService(options: { namespace?: string; worker?: boolean } = {}): Promise<StockService> {
  return startServiceUnderTest({ descriptor, loadApiConfig, loadWorkerConfig, startApi, startWorker, ...options });
}

export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export function kettle(overrides: Record<string, unknown> = {}) {
  return { sku: 'KETTLE-1', name: 'Kettle', price: { amount: 2599, currency: 'EUR' }, onHand: 10, lowStockThreshold: 2, ...overrides };
}
