import type { Knex } from 'knex';
import { createMessagingTables, dropMessagingTables } from '@order-platform/shared';

export async function up(knex: Knex): Promise<void> {
  await createMessagingTables(knex);
  await knex.schema.createTable('products', (t) => {
    t.text('sku').primary();
    t.text('name').notNullable();
    t.bigInteger('price_amount').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    // on hand = available + reserved; conservation: initial + restocked = available + reserved + sold
    t.integer('available').notNullable();
    t.integer('reserved').notNullable().defaultTo(0);
    t.integer('sold').notNullable().defaultTo(0);
    t.integer('low_stock_threshold').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw('alter table products add constraint products_stock_non_negative check (available >= 0 and reserved >= 0 and sold >= 0)');
  await knex.raw('alter table products add constraint products_price_non_negative check (price_amount >= 0)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('products');
  await dropMessagingTables(knex);
}
