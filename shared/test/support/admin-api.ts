import { createExhaustedTable, createRateLimitTable, startApiProcess, type ConsumerDeclaration, type OrderRecordsReader, type RunningApi } from '../../src/index.js';
import { testInfra, testJwtSecret } from '../../src/testing/index.js';
import { silentLog, type MessagingFixture } from './messaging.js';

/** An api process of a made-up service on a messaging fixture: no routes of its own, so only the generic ones (admin, health). */
export async function startBareApi(f: MessagingFixture, service: string, consumers: ConsumerDeclaration[], orderRecords?: OrderRecordsReader): Promise<RunningApi> {
  await createRateLimitTable(f.db);
  await createExhaustedTable(f.db); // where a replay request goes
  const url = new URL(f.database.url);
  return startApiProcess(
    { service, description: 'a service of the tests', routes: () => [], consumers, ...(orderRecords ? { orderRecords } : {}) },
    {
      databaseUrl: url.toString(),
      natsUrl: (await testInfra()).natsUrl,
      natsNamespace: f.topology.namespace,
      dbPoolMax: 2,
      jwtSecret: testJwtSecret,
      jwksUrl: '',
      issuer: '',
      audience: '',
      rateLimitReadsPerMinute: 1_000_000,
      rateLimitWritesPerMinute: 1_000_000,
      rateLimitAdminPerMinute: 1_000_000,
      trustedProxyHops: 0,
      port: 0,
      bodyLimit: '64kb',
    },
    silentLog,
  );
}
