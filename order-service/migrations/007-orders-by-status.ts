import type { Knex } from 'knex';

// The console lists orders of one status, newest first: without this index a rare status
// (pending among thousands confirmed) would walk orders_by_created to find a page.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index orders_by_status on orders (status, created_at desc, id desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists orders_by_status');
}
