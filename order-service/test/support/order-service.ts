import { startServiceUnderTest, type ServiceUnderTest } from '@order-platform/shared/testing';
import { startApi, type RunningApi } from '../../src/api/app.js';
import { loadApiConfig, loadWorkerConfig } from '../../src/config.js';
import { descriptor } from '../../src/descriptor.js';
import { startWorker, type RunningWorkerProcess } from '../../src/worker/worker.js';

export type OrderService = ServiceUnderTest<RunningApi, RunningWorkerProcess>;

export function startOrderService(options: { namespace?: string; worker?: boolean; env?: Record<string, string>; databaseServerUrl?: string } = {}): Promise<OrderService> {
  return startServiceUnderTest({ descriptor, loadApiConfig, loadWorkerConfig, startApi, startWorker, ...options });
}

import { asAdmin, callAs } from '@order-platform/shared/testing';

/** HTTP calls as staff (admin); the access tests call with other principals. */
export const call = callAs(asAdmin());

export function orderBody(overrides: Record<string, unknown> = {}) {
  return { customerId: 'customer-1', items: [{ sku: 'KETTLE-1', quantity: 2 }], payment: { method: 'card', paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' }, ...overrides };
}
