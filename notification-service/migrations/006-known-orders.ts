import type { Knex } from 'knex';

// The orders the system accepted (from orders.created), so that no mail goes out for an order
// it never had; and the notifications that arrived before their order's orders.created, held
// until it does (src/domain/deliver-for-order.ts).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('known_orders', (t) => {
    t.text('order_id').primary();
    t.text('customer_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('held_notifications', (t) => {
    t.text('dedup_key').primary();
    t.text('order_id').notNullable().index();
    t.json('request').notNullable();
    t.timestamp('held_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('held_notifications');
  await knex.schema.dropTable('known_orders');
}
