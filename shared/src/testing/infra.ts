import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { splitDatabaseUrl } from '../db/database.js';

/**
 * Where tests find Postgres and NATS: `TEST_DATABASE_URL` (a database on a server where the
 * user may create databases) and `TEST_NATS_URL` when set; otherwise containers started once
 * per test process with testcontainers (Docker needed).
 */
export interface TestInfra {
  databaseUrl: string;
  natsUrl: string;
}

let infra: Promise<TestInfra> | undefined;
const stops: (() => Promise<unknown>)[] = [];

export function testInfra(): Promise<TestInfra> {
  infra ??= resolveInfra();
  return infra;
}

async function resolveInfra(): Promise<TestInfra> {
  const { TEST_DATABASE_URL, TEST_NATS_URL } = process.env;
  let databaseUrl = TEST_DATABASE_URL;
  let natsUrl = TEST_NATS_URL;
  if (databaseUrl && natsUrl) return { databaseUrl, natsUrl };
  // testcontainers is a dev dependency; load it only when no service URLs are given
  const { GenericContainer, Wait } = await import('testcontainers');
  if (!databaseUrl) {
    const container = await new GenericContainer('postgres:15-alpine')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    stops.push(() => container.stop());
    databaseUrl = `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  }
  if (!natsUrl) {
    const container = await new GenericContainer('nats:2.10-alpine')
      .withCommand(['-js'])
      .withExposedPorts(4222)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .start();
    stops.push(() => container.stop());
    natsUrl = `nats://${container.getHost()}:${container.getMappedPort(4222)}`;
  }
  return { databaseUrl, natsUrl };
}

export async function stopTestInfra(): Promise<void> {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  infra = undefined;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one suite; `drop` removes it (even with open connections). */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const { databaseUrl } = await testInfra();
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const { maintenanceUrl } = splitDatabaseUrl(databaseUrl);
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: maintenanceUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => admin(`drop database if exists "${name}" with (force)`) };
}

/** A namespace no other test run uses, so streams and subjects never collide. */
export function uniqueNamespace(label = 't'): string {
  return `${label.toLowerCase().replace(/[^a-z0-9]/g, '')}${randomBytes(4).toString('hex')}`;
}

export async function testNatsConnection(): Promise<NatsConnection> {
  const { natsUrl } = await testInfra();
  return connect({ servers: natsUrl.split(','), name: 'test' });
}

/** Deletes every stream of a namespace (the test's own; never anyone else's). */
export async function deleteNamespaceStreams(nc: NatsConnection, namespace: string): Promise<void> {
  if (!namespace) throw new Error('refusing to delete streams without a namespace');
  const jsm = await jetstreamManager(nc);
  for await (const name of jsm.streams.names()) {
    if (name.startsWith(`${namespace}_`)) await jsm.streams.delete(name);
  }
}
