import type { Knex } from 'knex';

// Idempotency keys belong to the caller who sent them: one customer can neither probe nor
// squat another's keys, and the same key and body never return another customer's order.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table idempotency_keys add column principal text not null default ''`);
  await knex.raw('alter table idempotency_keys drop constraint idempotency_keys_pkey');
  await knex.raw('alter table idempotency_keys add constraint idempotency_keys_pkey primary key (principal, key)');
  await knex.raw('alter table idempotency_keys alter column principal drop default');
  // keys expire: the prune walks this index
  await knex.raw('create index idempotency_keys_created_at on idempotency_keys (created_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index idempotency_keys_created_at');
  await knex.raw('alter table idempotency_keys drop constraint idempotency_keys_pkey');
  await knex.raw('alter table idempotency_keys drop column principal');
  await knex.raw('alter table idempotency_keys add constraint idempotency_keys_pkey primary key (key)');
}
