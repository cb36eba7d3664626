import type { Knex } from 'knex';

/**
 * A payment names its payment method instead of holding a card token. Pending payments keep
 * their card: it moves to a used payment method of their own (the customer is not known
 * here, and a used method is never claimed again). Every other token is dropped.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payments', (t) => {
    t.text('payment_method_id'); // null when a cancel or the retries' end came before orders.created
  });
  await knex.raw(`
    insert into payment_methods (id, customer_id, token, status, order_id, created_at, expires_at, updated_at)
    select 'pm_' || gen_random_uuid(), '', token, 'used', order_id, created_at, created_at, now()
    from payments where status = 'pending' and token is not null`);
  await knex.raw(`update payments p set payment_method_id = m.id from payment_methods m where m.order_id = p.order_id and p.status = 'pending'`);
  await knex.schema.alterTable('payments', (t) => {
    t.dropColumn('token');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payments', (t) => {
    t.text('token');
  });
  await knex.raw(`update payments p set token = m.token from payment_methods m where m.id = p.payment_method_id and m.order_id = p.order_id`);
  await knex.schema.alterTable('payments', (t) => {
    t.dropColumn('payment_method_id');
  });
}
