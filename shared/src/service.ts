import type { Knex } from 'knex';
import type { StreamName } from './nats/streams.js';
import type { ConsumerDeclaration } from './nats/topology.js';

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * What the migrator needs to know about a service: its knex migrations, the streams it
 * publishes to and the durable consumers it reads through.
 */
export interface ServiceDescriptor {
  service: string;
  defaultDatabaseUrl: string;
  migrations: Record<string, Migration>;
  streams: StreamName[];
  consumers: ConsumerDeclaration[];
}

/** A knex migration source over statically imported modules: no directory scanning, works the same from src and dist. */
export function migrationSource(migrations: Record<string, Migration>): Knex.MigrationSource<string> {
  return {
    getMigrations: async () => Object.keys(migrations).sort(),
    getMigrationName: (name) => name,
    getMigration: async (name) => migrations[name]!,
  };
}
