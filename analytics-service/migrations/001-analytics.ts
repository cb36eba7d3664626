import type { Knex } from 'knex';
import { createExhaustedTable, createMessagingTables, createRateLimitTable, dropExhaustedTable, dropMessagingTables, dropRateLimitTable } from '@order-platform/shared';

/**
 * The read model. Every figure is computed from these rows at query time, bucketed by the times
 * inside the events' payloads, so that it does not depend on the order the events arrived in.
 * The read-model tables (the `analytics_` ones) are what `make rebuild` truncates.
 */
export async function up(knex: Knex): Promise<void> {
  await createMessagingTables(knex);
  await createRateLimitTable(knex);
  await createExhaustedTable(knex);

  // One row per event applied, keyed by the event id: the recent-events feed, the payments the
  // revenue figures sum, and the read model's own record of what it applied (kept as long as the
  // read model, unlike processed_messages, which is pruned).
  await knex.schema.createTable('analytics_events', (t) => {
    t.text('id').primary(); // ce-id
    t.text('type').notNullable();
    t.text('subject').notNullable();
    t.text('order_id');
    t.text('sku');
    // the event's own time, from its payload (createdAt, capturedAt, …)
    t.timestamp('time', { useTz: true }).notNullable();
    t.text('summary').notNullable();
    t.bigInteger('amount');
    t.specificType('currency', 'char(3)');
  });
  await knex.raw('create index analytics_events_recent on analytics_events (time desc, id desc)');
  await knex.raw("create index analytics_events_money on analytics_events (time) include (type, currency, amount) where type in ('payments.captured', 'payments.refunded')");

  // One row per order, its facts merged from whichever of its events arrived, in any order.
  await knex.schema.createTable('analytics_orders', (t) => {
    t.text('order_id').primary();
    t.timestamp('placed_at', { useTz: true });
    t.timestamp('confirmed_at', { useTz: true });
    t.timestamp('cancelled_at', { useTz: true });
    t.text('cancellation_reason');
  });
  for (const column of ['placed_at', 'confirmed_at', 'cancelled_at']) {
    await knex.raw(`create index analytics_orders_${column} on analytics_orders (${column}) where ${column} is not null`);
  }

  // The latest low-stock alert per product (by its detectedAt).
  await knex.schema.createTable('analytics_low_stock', (t) => {
    t.text('sku').primary();
    t.text('name').notNullable();
    t.integer('available').notNullable();
    t.integer('threshold').notNullable();
    t.timestamp('detected_at', { useTz: true }).notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['analytics_low_stock', 'analytics_orders', 'analytics_events']) await knex.schema.dropTable(table);
  await dropExhaustedTable(knex);
  await dropRateLimitTable(knex);
  await dropMessagingTables(knex);
}
