import pino from 'pino';
import type { NatsConnection } from '@nats-io/transport-node';
import { createDb, createMessagingTables, declareTopology, defaultStreamSettings, Topology, type ConsumerDeclaration, type Knex, type Logger } from '../../src/index.js';
import { createTestDatabase, deleteNamespaceStreams, testNatsConnection, uniqueNamespace, type TestDatabase } from '../../src/testing/index.js';

export const silentLog: Logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

/** A database with the messaging tables and a namespaced set of streams, for one suite. */
export interface MessagingFixture {
  database: TestDatabase;
  db: Knex;
  nc: NatsConnection;
  topology: Topology;
  close(): Promise<void>;
}

export async function messagingFixture(label: string, consumers: ConsumerDeclaration[] = []): Promise<MessagingFixture> {
  const database = await createTestDatabase(label);
  const db = createDb(database.url);
  await createMessagingTables(db);
  const nc = await testNatsConnection();
  const topology = new Topology(uniqueNamespace(label));
  await declareTopology(nc, topology, { streams: ['ORDERS', 'STOCK', 'PAYMENTS', 'DLQ'], consumers }, defaultStreamSettings, silentLog);
  return {
    database,
    db,
    nc,
    topology,
    async close() {
      await deleteNamespaceStreams(nc, topology.namespace);
      await nc.close();
      await db.destroy();
      await database.drop();
    },
  };
}
