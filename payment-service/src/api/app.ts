import { startApiProcess, type Logger, type RunningApi } from '@order-platform/shared';
import { SERVICE, type ApiConfig } from '../config.js';
import { consumers } from '../worker/subscriptions.js';
import { paymentRecords } from '../domain/payment-records.js';
import { paymentMethodRoutes } from './routes/payment-methods.js';
import { paymentRoutes } from './routes/payments.js';

export type { RunningApi };

export function startApi(config: ApiConfig, log: Logger): Promise<RunningApi> {
  const paymentMethodTtlMs = config.paymentMethodTtlMinutes * 60_000;
  return startApiProcess(
    { service: SERVICE, consumers, orderRecords: paymentRecords, description: 'Payments against a simulated card gateway.', routes: (resources) => [...paymentMethodRoutes({ ...resources, paymentMethodTtlMs }), ...paymentRoutes(resources)] },
    config,
    log,
  );
}
