import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { splitDatabaseUrl } from '../db/database.js';
import { bootstrapDatabase, ident, serviceRoles, withRole, type DatabaseRoles } from '../db/roles.js';

/**
 * Where tests find Postgres and NATS: `TEST_DATABASE_URL` (a database on a server where the
 * user is a superuser: it creates databases and roles) and `TEST_NATS_URL` when set; otherwise
 * containers started once per test process with testcontainers (Docker needed).
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
  /** as the server's superuser (fixtures, locks) */
  url: string;
  /** as the owner: what the migrator connects as */
  ownerUrl: string;
  /** as the app role: what api and worker connect as */
  appUrl: string;
  name: string;
  roles: DatabaseRoles;
  /** removes the database (even with open connections) and both roles */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one suite, owned by an owner role of its own, with an app role
 * (role names are cluster-wide, so both derive from the unique database name), made the way
 * the migrator's bootstrap makes them. `create: 'database'` makes only the database (as the
 * superuser, the way it was before roles), `'none'` nothing; `drop` removes whatever exists.
 * `serverUrl`: on that server (a superuser's URL) instead of the tests' own, e.g. a cluster a
 * suite made for itself.
 */
export async function createTestDatabase(label: string, options: { create?: 'all' | 'database' | 'none'; serverUrl?: string } = {}): Promise<TestDatabase> {
  const databaseUrl = options.serverUrl ?? (await testInfra()).databaseUrl;
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 40)}_${randomBytes(4).toString('hex')}`;
  const roles = serviceRoles(name);
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
  // the superuser's password, if any, for both roles: the server may not trust local logins
  const password = decodeURIComponent(new URL(databaseUrl).password) || undefined;
  const create = options.create ?? 'all';
  if (create === 'all') await bootstrapDatabase(maintenanceUrl, roles, { owner: password, app: password });
  if (create === 'database') await admin(`create database ${ident(name)}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    ownerUrl: withRole(url.toString(), roles.owner, { password }),
    appUrl: withRole(url.toString(), roles.app, { password }),
    name,
    roles,
    async drop() {
      await admin(`drop database if exists ${ident(name)} with (force)`);
      await admin(`drop role if exists ${ident(roles.owner)}, ${ident(roles.app)}`);
    },
  };
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
