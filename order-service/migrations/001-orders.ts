import type { Knex } from 'knex';
import { createMessagingTables, dropMessagingTables } from '@order-platform/shared';

export async function up(knex: Knex): Promise<void> {
  await createMessagingTables(knex);

  // Read model of stock-service's catalog, fed by stock.product-changed.
  await knex.schema.createTable('catalog', (t) => {
    t.text('sku').primary();
    t.text('name').notNullable();
    t.bigInteger('price_amount').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.boolean('active').notNullable();
    t.integer('version').notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('orders', (t) => {
    t.uuid('id').primary();
    t.text('customer_id').notNullable();
    t.text('status').notNullable();
    t.text('cancellation_reason');
    t.bigInteger('total_amount').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw(`alter table orders add constraint orders_status check (status in ('pending', 'stock_reserved', 'confirmed', 'cancelled'))`);
  await knex.raw('create index orders_by_customer on orders (customer_id, created_at desc, id desc)');
  await knex.raw('create index orders_by_created on orders (created_at desc, id desc)');

  await knex.schema.createTable('order_items', (t) => {
    t.uuid('order_id').notNullable().references('orders.id').onDelete('cascade');
    t.integer('line').notNullable();
    t.text('sku').notNullable();
    t.integer('quantity').notNullable();
    t.bigInteger('unit_price_amount').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.primary(['order_id', 'line']);
  });

  // Every transition, with the event or request that caused it (GET /orders/:id/events).
  await knex.schema.createTable('order_history', (t) => {
    t.bigIncrements('id');
    t.uuid('order_id').notNullable().references('orders.id').onDelete('cascade');
    t.text('from_status');
    t.text('to_status').notNullable();
    t.text('cause').notNullable(); // event type, or the HTTP request
    t.text('cause_id'); // event id
    t.text('reason');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.index(['order_id', 'id']);
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.text('key').primary();
    t.text('fingerprint').notNullable(); // sha-256 of the canonical request body
    t.uuid('order_id').notNullable().references('orders.id').onDelete('cascade');
    t.jsonb('response').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['idempotency_keys', 'order_history', 'order_items', 'orders', 'catalog']) await knex.schema.dropTable(table);
  await dropMessagingTables(knex);
}
