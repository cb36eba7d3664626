import type { Knex } from 'knex';

/**
 * Card tokens live here, and only here: a client registers its card with payment-service
 * directly, and orders name the payment method by id. A method is single use (order_id), its
 * token is erased once its payment settles, and an unused one expires.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payment_methods', (t) => {
    t.text('id').primary(); // pm_<uuid>
    t.text('customer_id').notNullable();
    t.text('token'); // null once erased
    t.text('status').notNullable();
    t.text('order_id').unique(); // the one order that used it
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw(`alter table payment_methods add constraint payment_methods_status check (status in ('active', 'used', 'erased', 'expired'))`);
  // a token is held only while it may still be charged; an order is named once one claimed it
  await knex.raw(`alter table payment_methods add constraint payment_methods_token check ((token is not null) = (status in ('active', 'used')))`);
  await knex.raw(`alter table payment_methods add constraint payment_methods_order check ((order_id is not null) = (status in ('used', 'erased')))`);
  await knex.raw(`create index payment_methods_unused on payment_methods (expires_at) where status = 'active'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payment_methods');
}
