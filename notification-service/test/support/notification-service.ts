import { eventually, publishEvent, settled as settledNamespace, startServiceUnderTest, type ServiceUnderTest } from '@order-platform/shared/testing';
import type { EventPayloads, OrderCancelled, OrderConfirmed, PaymentRefunded, StockLow } from '@order-platform/shared';
import { startApi, type RunningApi } from '../../src/api/app.js';
import { loadApiConfig, loadWorkerConfig } from '../../src/config.js';
import { descriptor } from '../../src/descriptor.js';
import { startWorker, type RunningWorkerProcess } from '../../src/worker/worker.js';

import { asAdmin, callAs } from '@order-platform/shared/testing';

/** HTTP calls as staff (admin); the access tests call with other principals. */
export const call = callAs(asAdmin());

export type NotificationService = ServiceUnderTest<RunningApi, RunningWorkerProcess>;

export function startNotificationService(env: Record<string, string>, options: { worker?: boolean } = {}): Promise<NotificationService> {
  return startServiceUnderTest({ descriptor, loadApiConfig, loadWorkerConfig, startApi, startWorker: (config, log) => startWorker(config, log), env, ...options });
}

/** Resolves once the worker has handled (acknowledged) every event published so far. */
export function settled(sut: NotificationService): Promise<void> {
  return settledNamespace(sut.api.resources.nc, sut.topology);
}

type Input = 'orders.confirmed' | 'orders.cancelled' | 'payments.refunded' | 'stock.low';

export function publish<T extends Input>(sut: NotificationService, type: T, data: EventPayloads[T], options: { id?: string; msgId?: string } = {}): Promise<string> {
  const subject = 'orderId' in data ? data.orderId : (data as StockLow).sku;
  return publishEvent(sut.api.resources.nc, sut.topology, type, data, { subject, ...options });
}

const items = [
  { sku: 'KETTLE-1', quantity: 2, unitPrice: { amount: 2599, currency: 'EUR' } },
  { sku: 'MUG-7', quantity: 1, unitPrice: { amount: 850, currency: 'EUR' } },
];

export function orderConfirmed(customerId: string, orderId = crypto.randomUUID()): OrderConfirmed {
  return { orderId, customerId, items, total: { amount: 6048, currency: 'EUR' }, confirmedAt: new Date().toISOString() };
}

export function orderCancelled(customerId: string, reason: OrderCancelled['reason'], previousStatus: OrderCancelled['previousStatus'] = 'pending'): OrderCancelled {
  return { orderId: crypto.randomUUID(), customerId, reason, previousStatus, items, total: { amount: 6048, currency: 'EUR' }, cancelledAt: new Date().toISOString() };
}

export function paymentRefunded(customerId: string): PaymentRefunded {
  return { orderId: crypto.randomUUID(), customerId, paymentId: crypto.randomUUID(), amount: { amount: 6048, currency: 'EUR' }, refundedAt: new Date().toISOString() };
}

export function stockLow(sku = 'KETTLE-1'): StockLow {
  return { sku, name: 'Kettle', available: 2, threshold: 5, detectedAt: new Date().toISOString() };
}

export interface NotificationBody {
  id: string;
  orderId: string | null;
  template: string;
  channel: string;
  recipient: string | null;
  subject: string | null;
  status: string;
  attempts: number;
  error: string | null;
  fallback: string | null;
  attemptLog: { attempt: number; outcome: string; error: string | null }[];
  createdAt: string;
  updatedAt: string;
}

/** Polls `probe` until `accept` holds for its value, and returns that value. */
export function waitFor<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  return eventually(
    async () => {
      const value = await probe();
      if (!accept(value)) throw new Error(`still waiting; last value: ${JSON.stringify(value)?.slice(0, 800)}`);
      return value;
    },
    { timeoutMs },
  );
}
