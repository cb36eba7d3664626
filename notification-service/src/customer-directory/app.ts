import { AppError, createHttpApp, createRegistry, listen, route, type Logger, type RunningServer } from '@order-platform/shared';
import type { DirectoryStubConfig } from '../config.js';
import { stubCustomer } from './customers.js';

const customerSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string', format: 'email' } },
} as const;

/**
 * A stand-in for the company's customer directory, for local runs and docker compose: the
 * order platform keeps only customer ids, and notification-service looks names and addresses
 * up over HTTP. A real directory (CRM, identity provider) replaces it by CUSTOMER_DIRECTORY_URL.
 */
export async function startDirectoryStub(config: DirectoryStubConfig, log: Logger): Promise<RunningServer & { stop(): Promise<void> }> {
  const service = 'customer-directory';
  const app = createHttpApp({
    service,
    description: 'Stub customer directory for local runs.',
    log,
    registry: createRegistry({ service, process: 'api' }),
    readiness: {},
    routes: [
      route<unknown, unknown, { id: string }>({
        method: 'get', path: '/customers/:id', tag: 'customers', summary: 'A customer by id',
        // a stand-in on the private network; the real directory has its own access control
        access: 'public',
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['id'] },
        responses: { 200: { description: 'the customer', schema: customerSchema }, 404: { description: 'no such customer' } },
        handle: async ({ params }) => {
          const customer = stubCustomer(params.id);
          if (!customer) throw new AppError('not_found', `no customer ${params.id}`);
          return { status: 200, body: customer };
        },
      }),
    ],
  });
  const server = await listen(app, config.port);
  log.info({ port: server.port }, 'customer directory stub listening');
  return { ...server, stop: () => server.close() };
}
