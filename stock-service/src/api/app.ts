import { startApiProcess, type Logger, type RunningApi } from '@order-platform/shared';
import { SERVICE, type ApiConfig } from '../config.js';
import { consumers } from '../worker/subscriptions.js';
import { reservationRecords } from '../domain/reservation-records.js';
import { productRoutes } from './routes/products.js';

export type { RunningApi };

export function startApi(config: ApiConfig, log: Logger): Promise<RunningApi> {
  return startApiProcess({ service: SERVICE, consumers, orderRecords: reservationRecords, description: 'Products (the catalog), stock levels and reservations.', routes: productRoutes }, config, log);
}
