import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row per order this service has heard of. `status` makes every handler safe to run
  // twice and in any order: a cancelled row written before orders.created arrives is a
  // tombstone that stops a late reservation.
  await knex.schema.createTable('reservations', (t) => {
    t.text('order_id').primary();
    t.text('status').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw(`alter table reservations add constraint reservations_status check (status in ('reserved', 'rejected', 'committed', 'released', 'restocked', 'cancelled'))`);
  await knex.schema.createTable('reservation_lines', (t) => {
    t.text('order_id').notNullable().references('reservations.order_id').onDelete('cascade');
    t.text('sku').notNullable();
    t.integer('quantity').notNullable();
    t.primary(['order_id', 'sku']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reservation_lines');
  await knex.schema.dropTable('reservations');
}
