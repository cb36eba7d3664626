import { expect } from 'chai';
import { eventually, readStream, scrapeMetrics, settled as settledNamespace, startServiceUnderTest, type ServiceUnderTest } from '@order-platform/shared/testing';
import { startApi, type RunningApi } from '../../src/api/app.js';
import { loadApiConfig, loadWorkerConfig } from '../../src/config.js';
import { descriptor } from '../../src/descriptor.js';
import { startWorker, type RunningWorkerProcess } from '../../src/worker/worker.js';

export type PaymentService = ServiceUnderTest<RunningApi, RunningWorkerProcess>;

export function startPaymentService(options: { namespace?: string; worker?: boolean; env?: Record<string, string> } = {}): Promise<PaymentService> {
  return startServiceUnderTest({ descriptor, loadApiConfig, loadWorkerConfig, startApi, startWorker, ...options });
}

import { asAdmin, callAs } from '@order-platform/shared/testing';

/** HTTP calls as staff (admin); the access tests call with other principals. */
export const call = callAs(asAdmin());

export interface PaymentRow {
  id: string;
  order_id: string;
  amount: number | null;
  currency: string | null;
  payment_method_id: string | null;
  status: string;
  attempts: number;
  failure_reason: string | null;
}

export async function paymentRow(payments: PaymentService, orderId: string): Promise<PaymentRow | undefined> {
  return payments.api.resources.db<PaymentRow>('payments').where({ order_id: orderId }).first();
}

/** Waits until the order's payment has the status. */
export async function paymentWithStatus(payments: PaymentService, orderId: string, status: string, timeoutMs = 10_000): Promise<PaymentRow> {
  return eventually(async () => {
    const row = await paymentRow(payments, orderId);
    expect(row?.status, `payment of ${orderId}`).to.equal(status);
    return row!;
  }, { timeoutMs });
}

/** The payments.* events published about an order, in stream order. */
export async function paymentEvents(payments: PaymentService, orderId: string) {
  const messages = await readStream(payments.api.resources.nc, payments.topology.stream('PAYMENTS'));
  return messages.filter((m) => m.headers['ce-subject'] === orderId).map((m) => ({ type: m.headers['ce-type'], data: m.data as Record<string, unknown> }));
}

/** Waits for the order's payments.* events to be these types, and returns them. */
export async function paymentEventsOf(payments: PaymentService, orderId: string, types: string[], timeoutMs = 10_000) {
  return eventually(async () => {
    const events = await paymentEvents(payments, orderId);
    expect(events.map((e) => e.type)).to.deep.equal(types);
    return events;
  }, { timeoutMs });
}

export async function gatewayOperation(payments: PaymentService, idempotencyKey: string) {
  return payments.api.resources.db('gateway_operations').where({ idempotency_key: idempotencyKey }).first() as Promise<
    { kind: string; amount: number | null; currency: string | null; attempts: number; outcome: string | null } | undefined
  >;
}

/** Waits until a consumer has nothing pending or unacknowledged. */
/** Resolves once every consumer has handled what was published so far and the relay has published every outbox row. */
export function settled(payments: PaymentService): Promise<void> {
  return settledNamespace(payments.api.resources.nc, payments.topology, { db: payments.api.resources.db });
}

/** Messages of the service's charging consumers that a worker nak'ed for a retry, from its /metrics. */
export async function retriedCharges(worker: { metricsUrl: string }): Promise<number> {
  const metrics = await scrapeMetrics(worker.metricsUrl);
  return ['payment-service-orders-created', 'payment-service-stock-reserved']
    .map((consumer) => metrics.value('consumer_messages_total', { consumer, outcome: 'retried' }) ?? 0)
    .reduce((a, b) => a + b, 0);
}
