import type { Knex } from 'knex';
import { createMessagingTables, dropMessagingTables } from '@order-platform/shared';

export async function up(knex: Knex): Promise<void> {
  await createMessagingTables(knex);

  // One text per template and channel; the worker renders the current text at send time.
  await knex.schema.createTable('templates', (t) => {
    t.text('name').notNullable();
    t.text('channel').notNullable();
    t.text('subject').notNullable();
    t.text('body').notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['name', 'channel']);
  });
  await knex.raw(`alter table templates add constraint templates_channel check (channel in ('email', 'webhook'))`);

  // The delivery log, and the ledger that makes delivery happen once: one row per terminal
  // transition (dedup_key), claimed (`sending`) in a committed transaction before the send and
  // settled after it.
  await knex.schema.createTable('notifications', (t) => {
    t.uuid('id').primary(); // also the email's Message-ID and the webhook-id
    t.text('dedup_key').notNullable().unique();
    t.text('template').notNullable();
    t.text('channel').notNullable();
    t.text('order_id');
    t.text('customer_id');
    t.text('sku');
    t.text('recipient'); // null when skipped before an address was known
    t.text('subject');
    t.text('status').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('error'); // why the last attempt failed, or why it was skipped
    t.text('fallback'); // why generic data stood in for the customer's
    t.text('event_id').notNullable();
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['order_id']);
    t.index(['created_at']);
  });
  await knex.raw(
    `alter table notifications add constraint notifications_status check (status in ('sending', 'sent', 'retrying', 'failed', 'skipped', 'unconfirmed'))`,
  );

  await knex.schema.createTable('delivery_attempts', (t) => {
    t.bigIncrements('id');
    t.uuid('notification_id').notNullable().references('notifications.id').onDelete('cascade');
    t.integer('attempt').notNullable();
    t.text('outcome').notNullable();
    t.text('error');
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true });
    t.unique(['notification_id', 'attempt']);
  });
  await knex.raw(`alter table delivery_attempts add constraint delivery_attempts_outcome check (outcome in ('sending', 'sent', 'failed', 'interrupted'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('delivery_attempts');
  await knex.schema.dropTable('notifications');
  await knex.schema.dropTable('templates');
  await dropMessagingTables(knex);
}
