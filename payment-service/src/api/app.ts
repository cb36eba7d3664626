import { startApiProcess, type Logger, type RunningApi } from '@order-platform/shared';
import { SERVICE, type ApiConfig } from '../config.js';
import { paymentRoutes } from './routes/payments.js';

export type { RunningApi };

export function startApi(config: ApiConfig, log: Logger): Promise<RunningApi> {
  return startApiProcess({ service: SERVICE, description: 'Payments against a simulated card gateway.', routes: paymentRoutes }, config, log);
}
