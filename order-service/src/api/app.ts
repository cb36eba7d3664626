import { startApiProcess, type Logger, type RunningApi } from '@order-platform/shared';
import { SERVICE, type ApiConfig } from '../config.js';
import { orderRoutes } from './routes/orders.js';

export type { RunningApi };

export function startApi(config: ApiConfig, log: Logger): Promise<RunningApi> {
  return startApiProcess({ service: SERVICE, description: 'Orders, their history, and a read model of the catalog.', routes: orderRoutes }, config, log);
}
