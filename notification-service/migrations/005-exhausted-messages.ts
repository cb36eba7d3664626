import type { Knex } from 'knex';
import { createExhaustedTable, dropExhaustedTable } from '@order-platform/shared';

// Exhausted messages whose on-exhausted hook could not run yet, swept until it has (shared/src/consumer/last-resort.ts).
export async function up(knex: Knex): Promise<void> {
  await createExhaustedTable(knex);
}

export async function down(knex: Knex): Promise<void> {
  await dropExhaustedTable(knex);
}
