import type { Knex } from 'knex';
import { addReplayRequests, dropReplayRequests } from '@order-platform/shared';

// Dead letters replayed through this service's own worker (`POST /admin/dead-letters/replay`), kept next to the exhausted messages (shared/src/db/exhausted-table.ts).
export async function up(knex: Knex): Promise<void> {
  await addReplayRequests(knex);
}

export async function down(knex: Knex): Promise<void> {
  await dropReplayRequests(knex);
}
