import { expect } from 'chai';
import pino from 'pino';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createDb, createMessagingTables, declareTopology, defaultStreamSettings, envelopeHeaders, Topology, type ConsumerDeclaration, type Knex, type Logger } from '../../src/index.js';
import { createTestDatabase, deleteNamespaceStreams, eventually, testNatsConnection, uniqueNamespace, type TestDatabase } from '../../src/testing/index.js';

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

const encoder = new TextEncoder();

/** Publishes a `stock.product-changed` of `sku` as stock-service would (its subject the sku); answers its event id. */
export async function publishProductChanged(f: MessagingFixture, sku: string, version = 1): Promise<string> {
  const id = crypto.randomUUID();
  const headers = envelopeHeaders({ id, type: 'stock.product-changed', source: '/stock-service', subject: sku, time: new Date().toISOString() });
  const data = { sku, name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, active: true, version, changedAt: new Date().toISOString() };
  await jetstream(f.nc).publish(f.topology.subject('stock.product-changed'), encoder.encode(JSON.stringify(data)), { headers });
  return id;
}

/** Waits until `consumer` has nothing pending and nothing unacknowledged. */
export async function settled(f: MessagingFixture, consumer: ConsumerDeclaration, timeoutMs = 15_000): Promise<void> {
  const jsm = await jetstreamManager(f.nc);
  await eventually(async () => {
    const info = await jsm.consumers.info(f.topology.streamFor(consumer.event), consumer.durable);
    expect(info.num_pending + info.num_ack_pending, 'unsettled messages').to.equal(0);
  }, { timeoutMs });
}
