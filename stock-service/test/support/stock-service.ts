import { startServiceUnderTest, type ServiceUnderTest } from '@order-platform/shared/testing';
import { startApi, type RunningApi } from '../../src/api/app.js';
import { loadApiConfig, loadWorkerConfig } from '../../src/config.js';
import { descriptor } from '../../src/descriptor.js';
import { startWorker, type RunningWorkerProcess } from '../../src/worker/worker.js';

export type StockService = ServiceUnderTest<RunningApi, RunningWorkerProcess>;

export function startStockService(options: { namespace?: string; worker?: boolean; env?: Record<string, string> } = {}): Promise<StockService> {
  return startServiceUnderTest({ descriptor, loadApiConfig, loadWorkerConfig, startApi, startWorker, ...options });
}

import { asAdmin, callAs } from '@order-platform/shared/testing';

/** HTTP calls as staff (admin); the access tests call with other principals. */
export const call = callAs(asAdmin());

export function kettle(overrides: Record<string, unknown> = {}) {
  return { sku: 'KETTLE-1', name: 'Kettle', price: { amount: 2599, currency: 'EUR' }, onHand: 10, lowStockThreshold: 2, ...overrides };
}
