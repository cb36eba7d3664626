import { Gauge, startWorkerProcess, type Logger, type RunningWorkerProcess } from '@order-platform/shared';
import { SERVICE, type WorkerConfig } from '../config.js';
import { findOverdueOrders } from '../domain/find-overdue-orders.js';
import { subscriptions } from './subscriptions.js';

export type { RunningWorkerProcess };

export async function startWorker(config: WorkerConfig, log: Logger): Promise<RunningWorkerProcess> {
  const worker = await startWorkerProcess({ service: SERVICE, subscriptions }, config, log);
  const { db, clock, registry } = worker.resources;
  const overdue = new Gauge({ name: 'orders_overdue', help: 'orders not confirmed or cancelled within ORDER_DEADLINE_MS of being placed', registers: [registry] });
  // every replica reports: a read, and the same figure from each
  const sweep = setInterval(async () => {
    try {
      const found = await findOverdueOrders(db, config.orderDeadlineMs, clock());
      overdue.set(found.count);
      for (const order of found.oldest) log.error({ orderId: order.id, status: order.status, createdAt: order.createdAt, deadlineMs: config.orderDeadlineMs }, 'order overdue: not confirmed or cancelled by its deadline');
    } catch (error) {
      log.warn({ err: error }, 'could not look for overdue orders');
    }
  }, config.orderDeadlineSweepIntervalMs);
  sweep.unref();
  return {
    ...worker,
    async stop() {
      clearInterval(sweep);
      await worker.stop();
    },
  };
}
