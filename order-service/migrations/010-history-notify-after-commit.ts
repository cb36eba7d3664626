import type { Knex } from 'knex';

// The history trigger stays silent for entries whose writer notifies `order_history` after its
// commit (it sets `order_history.notified_after_commit` in the statement; the setting lasts to the
// transaction's end): a NOTIFY inside the transaction would make its commit wait its turn on the
// lock Postgres takes for every notifying commit on the cluster (shared/src/db/commit-notifier.ts).
// Entries written any other way (by hand, by an older process) still notify from here.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function order_history_notify() returns trigger language plpgsql as $$
    begin
      if current_setting('order_history.notified_after_commit', true) = 'on' then
        return null;
      end if;
      perform pg_notify('order_history', new.order_id::text);
      return null;
    end $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function order_history_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('order_history', new.order_id::text);
      return null;
    end $$`);
}
