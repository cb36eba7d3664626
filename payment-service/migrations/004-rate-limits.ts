import type { Knex } from 'knex';
import { createRateLimitTable, dropRateLimitTable } from '@order-platform/shared';

// The api's request counts, shared by its replicas (see shared/src/http/rate-limit.ts).
export async function up(knex: Knex): Promise<void> {
  await createRateLimitTable(knex);
}

export async function down(knex: Knex): Promise<void> {
  await dropRateLimitTable(knex);
}
