import { createDb, startWorkerProcess, type Logger, type RunningWorkerProcess } from '@order-platform/shared';
import { SERVICE, type WorkerConfig } from '../config.js';
import { expireUnusedPaymentMethods } from '../data/payment-methods-repository.js';
import { SimulatedGateway } from '../data/simulated-gateway.js';
import { failPaymentsWithoutOrder } from '../domain/fail-payments-without-order.js';
import { subscriptions } from './subscriptions.js';

export type { RunningWorkerProcess };

export async function startWorker(config: WorkerConfig, log: Logger): Promise<RunningWorkerProcess> {
  // The simulated gateway stands for the provider: its records commit apart from the handlers'
  // transactions, on connections of its own (on the handlers' pool, handlers holding every
  // connection would wait for one forever). Handlers write nothing else outside their transaction.
  const gatewayDb = createDb(config.databaseUrl, { poolMax: config.autocommitPoolMax, applicationName: `${SERVICE}-worker-gateway`, prepare: true });
  const deps = { gateway: new SimulatedGateway(gatewayDb) };
  const charge = { budgetMs: config.paymentChargeBudgetMs, retry: { baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs } };
  try {
    const worker = await startWorkerProcess({ service: SERVICE, subscriptions: () => subscriptions(deps, charge) }, config, log);
    const { db, clock } = worker.resources;
    // every replica sweeps: each row is settled once (locked, skipped by the others), and no replica is special
    const sweeps = [
      every(config.paymentMethodSweepIntervalMs, log, 'could not sweep expired payment methods', async () => {
        const expired = await expireUnusedPaymentMethods(db, clock());
        if (expired > 0) log.info({ expired }, 'card tokens of unused payment methods erased');
      }),
      every(config.paymentOrderSweepIntervalMs, log, 'could not sweep payments awaiting their order', async () => {
        const { failed, taken } = await failPaymentsWithoutOrder({ ...deps, ...worker.resources }, config.paymentOrderWaitMs);
        for (const orderId of failed) log.error({ orderId, waitMs: config.paymentOrderWaitMs }, 'stock was reserved but orders.created never came; payment failed as payment_unavailable');
        for (const orderId of taken) log.error({ orderId }, 'orders.created not recorded, but the gateway took its charge; waiting for its redelivery to record it');
      }),
    ];
    return {
      ...worker,
      async stop() {
        for (const sweep of sweeps) clearInterval(sweep);
        await worker.stop();
        await gatewayDb.destroy();
      },
    };
  } catch (error) {
    await gatewayDb.destroy();
    throw error;
  }
}

function every(intervalMs: number, log: Logger, failure: string, run: () => Promise<void>): NodeJS.Timeout {
  const timer = setInterval(async () => {
    try {
      await run();
    } catch (error) {
      log.warn({ err: error }, failure);
    }
  }, intervalMs);
  timer.unref();
  return timer;
}
