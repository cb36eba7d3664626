import { startApiProcess, type Logger, type RunningApi } from '@order-platform/shared';
import { SERVICE, type ApiConfig } from '../config.js';
import { consumers } from '../worker/subscriptions.js';
import { notificationRecords } from '../domain/notification-records.js';
import { notificationRoutes } from './routes/notifications.js';
import { templateRoutes } from './routes/templates.js';

export type { RunningApi };

export function startApi(config: ApiConfig, log: Logger, clock: () => Date = () => new Date()): Promise<RunningApi> {
  return startApiProcess(
    {
      service: SERVICE, consumers, orderRecords: notificationRecords,
      description: 'Templated customer and staff notifications, and their delivery log.',
      routes: (resources) => [...notificationRoutes({ db: resources.db, clock }), ...templateRoutes({ ...resources, clock })],
    },
    config,
    log,
  );
}
