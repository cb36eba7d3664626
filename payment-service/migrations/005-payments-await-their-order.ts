import type { Knex } from 'knex';

/**
 * stock.reserved may come before orders.created: instead of being retried until it does, it is
 * recorded as a payment `awaiting_order` (no amount or card yet), which orders.created then
 * charges. The worker's sweep finds the ones whose order never came by their age.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table payments drop constraint payments_status, drop constraint payments_amount_known');
  await knex.raw(`alter table payments add constraint payments_status check (status in ('awaiting_order', 'pending', 'captured', 'failed', 'voided', 'refunded'))`);
  await knex.raw(`alter table payments add constraint payments_amount_known check (amount is not null or status in ('failed', 'awaiting_order'))`);
  await knex.raw(`alter table payments add constraint payments_awaiting_order check (status <> 'awaiting_order' or (amount is null and payment_method_id is null))`);
  await knex.raw(`create index payments_awaiting_order on payments (created_at) where status = 'awaiting_order'`);
}

export async function down(knex: Knex): Promise<void> {
  // the older workers retry stock.reserved until orders.created comes, and have no such state:
  // a reservation recorded here but not charged yet is failed, as its retries running out would have
  await knex.raw(`update payments set status = 'failed', failure_reason = 'payment_unavailable', updated_at = now() where status = 'awaiting_order'`);
  await knex.raw('drop index payments_awaiting_order');
  await knex.raw('alter table payments drop constraint payments_awaiting_order, drop constraint payments_status, drop constraint payments_amount_known');
  await knex.raw(`alter table payments add constraint payments_status check (status in ('pending', 'captured', 'failed', 'voided', 'refunded'))`);
  await knex.raw(`alter table payments add constraint payments_amount_known check (amount is not null or status = 'failed')`);
}
