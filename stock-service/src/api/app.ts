import { createHttpApp, isDbReachable, isNatsReachable, listen, openResources, type Resources, type RunningServer } from '@order-platform/shared';
import type { ApiConfig } from '../config.js';
import { SERVICE } from '../config.js';
import { productRoutes } from './routes/products.js';

export function createApi(resources: Resources, options: { bodyLimit?: string } = {}) {
  return createHttpApp({
    service: SERVICE,
    description: 'Products (the catalog), stock levels and reservations.',
    log: resources.log,
    registry: resources.registry,
    routes: productRoutes(resources),
    readiness: { database: () => isDbReachable(resources.db), nats: () => isNatsReachable(resources.nc) },
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
  });
}

export interface RunningApi extends RunningServer {
  resources: Resources;
  stop(): Promise<void>;
}

/** Opens the connections, serves HTTP on `config.port` (0 in tests) and returns how to stop. */
export async function startApi(config: ApiConfig, log: Resources['log']): Promise<RunningApi> {
  const resources = await openResources(SERVICE, 'api', config, log);
  const server = await listen(createApi(resources, { bodyLimit: config.bodyLimit }), config.port);
  log.info({ port: server.port }, 'api listening');
  return {
    ...server,
    resources,
    async stop() {
      await server.close();
      await resources.close();
    },
  };
}
