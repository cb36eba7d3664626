import { startApiProcess, type Logger, type RunningApi } from '@order-platform/shared';
import { SERVICE, type ApiConfig } from '../config.js';
import { consumers } from '../worker/subscriptions.js';
import { analyticsRoutes } from './routes/analytics.js';

export type { RunningApi };

export function startApi(config: ApiConfig, log: Logger, clock: () => Date = () => new Date()): Promise<RunningApi> {
  return startApiProcess(
    {
      service: SERVICE,
      consumers,
      description: "Figures of the whole system from every domain event: today's, per hour or day over a range, and the latest events. Staff only.",
      routes: (resources) => analyticsRoutes({ db: resources.db, clock }),
    },
    config,
    log,
  );
}
