import pg from 'pg';
import { eventually, publishEvent, settled as settledNamespace, startServiceUnderTest, type ServiceUnderTest } from '@order-platform/shared/testing';
import type { EventPayloads, OrderCancelled, OrderConfirmed, OrderCreated, PaymentRefunded, StockLow } from '@order-platform/shared';
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

const accepted = new Set<string>();

/**
 * Publishes an event as its owner's relay would. An event about an order is preceded, once per
 * order, by the order's orders.created (the service mails only about orders the system accepted),
 * unless `accepted: false` (an order the system never had).
 */
export async function publish<T extends Input>(sut: NotificationService, type: T, data: EventPayloads[T], options: { id?: string; msgId?: string; accepted?: boolean } = {}): Promise<string> {
  const { accepted: isAccepted = true, ...ids } = options;
  if ('orderId' in data && isAccepted && !accepted.has(data.orderId)) {
    accepted.add(data.orderId);
    await publishOrderCreated(sut, data.orderId, data.customerId);
    // known before the event comes, as in a running system, so a test sees the event's own
    // consumer deliver it (and not orders.created's, as when an event overtakes it)
    await untilKnown(sut, data.orderId);
  }
  const subject = 'orderId' in data ? data.orderId : (data as StockLow).sku;
  return publishEvent(sut.api.resources.nc, sut.topology, type, data, { subject, ...ids });
}

const pools = new WeakMap<NotificationService, pg.Pool>();

async function untilKnown(sut: NotificationService, orderId: string): Promise<void> {
  let pool = pools.get(sut);
  if (!pool) {
    pool = new pg.Pool({ connectionString: sut.database.url, max: 1, idleTimeoutMillis: 200, allowExitOnIdle: true });
    pool.on('error', () => undefined); // an idle client ended by the database's drop at close
    pools.set(sut, pool);
  }
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) {
    const { rowCount } = await pool.query('select 1 from known_orders where order_id = $1', [orderId]).catch(() => ({ rowCount: 0 }));
    if (rowCount) return;
  }
}

export function publishOrderCreated(sut: NotificationService, orderId: string, customerId: string): Promise<string> {
  const created: OrderCreated = { orderId, customerId, items, total: { amount: 6048, currency: 'EUR' }, payment: { method: 'card', paymentMethodId: `pm_${crypto.randomUUID()}` }, createdAt: new Date().toISOString() };
  return publishEvent(sut.api.resources.nc, sut.topology, 'orders.created', created, { subject: orderId });
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
