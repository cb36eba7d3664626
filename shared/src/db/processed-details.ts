import type { Knex } from 'knex';

/**
 * What the consumer loop records of each message it handled, next to the idempotency key of
 * `processed_messages`: the NATS subject, the entity it is about (the CloudEvents `ce-subject`:
 * the order id for saga events, the sku for catalog ones), its stream sequence, its delivery
 * count and its trace id. `GET /admin/orders/:id/records` lists them by entity, hence the index.
 * Rows written before these columns existed have them null.
 *
 * Idempotent (`if not exists`): `createMessagingTables` runs it for a new service's first
 * migration, and each existing service runs it in a migration of its own.
 */
export async function addProcessedMessageDetails(knex: Knex): Promise<void> {
  await knex.raw(`alter table processed_messages
    add column if not exists subject text,
    add column if not exists entity_id text,
    add column if not exists stream_seq bigint,
    add column if not exists deliveries integer,
    add column if not exists trace_id text`);
  await knex.raw('create index if not exists processed_messages_entity on processed_messages (entity_id, processed_at)');
}

export async function dropProcessedMessageDetails(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists processed_messages_entity');
  await knex.raw(`alter table processed_messages
    drop column if exists subject, drop column if exists entity_id, drop column if exists stream_seq,
    drop column if exists deliveries, drop column if exists trace_id`);
}
