import type { Knex } from 'knex';
import { createMessagingTables, dropMessagingTables } from '@order-platform/shared';

export async function up(knex: Knex): Promise<void> {
  await createMessagingTables(knex);

  // One payment per order. A row also stands for "the order was cancelled before we knew it"
  // (a voided tombstone), so a late orders.created or stock.reserved finds it and does nothing.
  await knex.schema.createTable('payments', (t) => {
    t.uuid('id').primary(); // also the charge's idempotency key at the gateway
    t.text('order_id').notNullable().unique();
    // null only when stock.reserved ran out of retries before orders.created told the amount
    t.bigInteger('amount');
    t.specificType('currency', 'char(3)');
    t.text('token'); // null when the cancel came first
    t.text('status').notNullable();
    t.integer('attempts').notNullable().defaultTo(0); // charge requests sent to the gateway
    t.text('failure_reason');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw(`alter table payments add constraint payments_status check (status in ('pending', 'captured', 'failed', 'voided', 'refunded'))`);
  await knex.raw('alter table payments add constraint payments_amount check ((amount is null) = (currency is null) and (amount is null or amount >= 0))');
  await knex.raw(`alter table payments add constraint payments_amount_known check (amount is not null or status = 'failed')`);

  // The simulated card gateway's own records: it stands for the provider's side, so it writes
  // outside the handlers' transactions and keeps what it did even when they roll back.
  await knex.schema.createTable('gateway_operations', (t) => {
    t.text('idempotency_key').primary();
    t.text('kind').notNullable();
    t.bigInteger('amount'); // null for a void of a charge that never arrived
    t.specificType('currency', 'char(3)');
    t.integer('attempts').notNullable().defaultTo(0); // requests received with this key
    t.text('outcome'); // null while only transient failures were answered
    t.text('detail');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw(`alter table gateway_operations add constraint gateway_operations_kind check (kind in ('charge', 'refund'))`);
  await knex.raw(`alter table gateway_operations add constraint gateway_operations_outcome check (outcome in ('captured', 'declined', 'voided', 'refunded'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('gateway_operations');
  await knex.schema.dropTable('payments');
  await dropMessagingTables(knex);
}
