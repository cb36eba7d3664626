import type { Knex } from 'knex';

// Each new history entry NOTIFYs `order_history` with its order id, delivered at commit: the
// api's one LISTEN connection wakes the streams watching that order (src/data/history-feed.ts).
// Notifications of one transaction with the same payload are folded into one by Postgres.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function order_history_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('order_history', new.order_id::text);
      return null;
    end $$`);
  await knex.raw('create trigger order_history_notify after insert on order_history for each row execute function order_history_notify()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger if exists order_history_notify on order_history');
  await knex.raw('drop function if exists order_history_notify()');
}
