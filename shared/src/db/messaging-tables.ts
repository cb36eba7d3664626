import type { Knex } from 'knex';
import { addProcessedMessageDetails } from './processed-details.js';

/**
 * The tables every service needs for reliable messaging, created by the service's first
 * migration: the transactional outbox (with a NOTIFY trigger that wakes the relay on commit)
 * and the processed-messages table of the idempotent consumer.
 */
export async function createMessagingTables(knex: Knex): Promise<void> {
  await knex.schema.createTable('outbox', (t) => {
    t.uuid('id').primary(); // = ce-id = Nats-Msg-Id
    // Publishing order only. Never a cursor: concurrent transactions commit out of order.
    t.bigIncrements('seq', { primaryKey: false });
    t.text('type').notNullable();
    t.text('source').notNullable();
    t.text('subject').notNullable();
    t.timestamp('time', { useTz: true }).notNullable();
    t.text('traceparent');
    // json, not jsonb: stored and read back verbatim, nothing to parse on the relay's hot path
    t.json('data').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('published_at', { useTz: true });
  });
  await knex.raw('create index outbox_unpublished on outbox (seq) where published_at is null');
  // For pruning. BRIN: published_at grows with the table's physical order, and a BRIN index
  // adds next to nothing to the relay's marking, where a btree would add an entry per row.
  await knex.raw('create index outbox_published on outbox using brin (published_at)');
  await quietWhenHandedOff(knex);
  await knex.raw('create trigger outbox_notify after insert on outbox for each statement execute function outbox_notify()');

  await knex.schema.createTable('processed_messages', (t) => {
    t.text('consumer').notNullable();
    t.text('message_id').notNullable();
    t.timestamp('processed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['consumer', 'message_id']);
  });
  await knex.raw('create index processed_messages_age on processed_messages (processed_at)');
  // a later addition, which services created before it add in a migration of their own
  await addProcessedMessageDetails(knex);
}

export async function dropMessagingTables(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('processed_messages');
  await knex.schema.dropTableIfExists('outbox');
  await knex.raw('drop function if exists outbox_notify() cascade');
}

/**
 * The outbox trigger's function: one notification per inserting statement, delivered at commit
 * (the payload is unused), but for a statement whose rows the relay of the writer's own process
 * takes from the writer after the commit (outbox.ts, `RelayHandOff`): that statement sets
 * `outbox.handed_off`, and the trigger resets it, so a later insert of the same transaction
 * notifies again. Created by a new service's first migration; each existing service replaces its
 * function in a migration of its own (`notifyOnEveryInsert` is its `down`).
 */
export async function quietWhenHandedOff(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function outbox_notify() returns trigger language plpgsql as $$
    begin
      if current_setting('outbox.handed_off', true) = 'on' then
        perform set_config('outbox.handed_off', 'off', true);
        return null;
      end if;
      perform pg_notify('outbox', '');
      return null;
    end $$`);
}

/** The outbox trigger's function before `quietWhenHandedOff`: a notification for every inserting statement. */
export async function notifyOnEveryInsert(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function outbox_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('outbox', '');
      return null;
    end $$`);
}
