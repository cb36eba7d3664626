import { adminRoutes, type OrderRecordsReader } from '../admin/admin-routes.js';
import { isDbReachable } from '../db/database.js';
import { createHttpApp, listen, type RunningServer } from '../http/app.js';
import { createAuthenticator, type AuthSettings } from '../http/auth.js';
import { rateLimitMiddleware, type RateLimitSettings } from '../http/rate-limit.js';
import type { RouteDefinition } from '../http/route.js';
import type { Logger } from '../logger.js';
import { isNatsReachable } from '../nats/connection.js';
import type { ConsumerDeclaration } from '../nats/topology.js';
import { openResources, type Resources, type ResourceSettings } from './resources.js';

export interface RunningApi extends RunningServer {
  resources: Resources;
  stop(): Promise<void>;
}

export interface ApiDefinition {
  service: string;
  description: string;
  routes: (resources: Resources) => RouteDefinition[];
  /** the durable consumers of the service's worker (its descriptor's), for GET /admin/consumers */
  consumers: ConsumerDeclaration[];
  /** the service's own facts about one order, for GET /admin/orders/:id/records; none when absent */
  orderRecords?: OrderRecordsReader;
}

/**
 * An api process. Opens: the Postgres pool and the NATS connection. Starts: the service's routes
 * on `config.port` (0 picks a free port, as tests do), behind authentication and rate limits,
 * and the admin endpoints every service has (admin/admin-routes.ts).
 * Stops: stop accepting, finish in-flight requests, then close NATS and the pool.
 */
export async function startApiProcess(
  definition: ApiDefinition,
  config: ResourceSettings & AuthSettings & RateLimitSettings & { port: number; bodyLimit: string },
  log: Logger,
): Promise<RunningApi> {
  const resources = await openResources(definition.service, 'api', config, log);
  const app = createHttpApp({
    service: definition.service,
    description: definition.description,
    log,
    registry: resources.registry,
    routes: [
      ...definition.routes(resources),
      ...adminRoutes({ service: definition.service, db: resources.db, nc: resources.nc, topology: resources.topology, consumers: definition.consumers, orderRecords: definition.orderRecords }),
    ],
    readiness: { database: () => isDbReachable(resources.db), nats: () => isNatsReachable(resources.nc) },
    bodyLimit: config.bodyLimit,
    authenticate: createAuthenticator(config),
    rateLimit: rateLimitMiddleware({ db: resources.db, settings: config, log, registry: resources.registry }),
  });
  const server = await listen(app, config.port);
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
