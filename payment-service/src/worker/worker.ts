import { createDb, startWorkerProcess, type Logger, type RunningWorkerProcess } from '@order-platform/shared';
import { SERVICE, type WorkerConfig } from '../config.js';
import { expireUnusedPaymentMethods } from '../data/payment-methods-repository.js';
import { SimulatedGateway } from '../data/simulated-gateway.js';
import { subscriptions } from './subscriptions.js';

export type { RunningWorkerProcess };

export async function startWorker(config: WorkerConfig, log: Logger): Promise<RunningWorkerProcess> {
  // Writes that must outlive a handler's transaction get a pool of their own: on the handlers'
  // pool, handlers holding every connection would wait for one forever (see PaymentDeps).
  const autocommit = createDb(config.databaseUrl, { poolMax: config.autocommitPoolMax, applicationName: `${SERVICE}-worker-autocommit` });
  const deps = { autocommit, gateway: new SimulatedGateway(autocommit) };
  try {
    const worker = await startWorkerProcess({ service: SERVICE, subscriptions: () => subscriptions(deps) }, config, log);
    // every replica sweeps: erasing an expired token twice is harmless, and no replica is special
    const sweep = setInterval(async () => {
      try {
        const expired = await expireUnusedPaymentMethods(worker.resources.db, worker.resources.clock());
        if (expired > 0) log.info({ expired }, 'card tokens of unused payment methods erased');
      } catch (error) {
        log.warn({ err: error }, 'could not sweep expired payment methods');
      }
    }, config.paymentMethodSweepIntervalMs);
    sweep.unref();
    return {
      ...worker,
      async stop() {
        clearInterval(sweep);
        await worker.stop();
        await autocommit.destroy();
      },
    };
  } catch (error) {
    await autocommit.destroy();
    throw error;
  }
}
