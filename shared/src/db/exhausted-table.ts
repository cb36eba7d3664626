import type { Knex } from 'knex';

export const EXHAUSTED_TABLE = 'exhausted_messages';

/**
 * The consumer's last resort (see consumer/last-resort.ts): a message whose retries ran out and
 * whose on-exhausted hook could not run yet, kept until the hook has run. One row per consumer and
 * event; `next_attempt_at` is when the sweep tries again (and a lease while it tries).
 */
export async function createExhaustedTable(knex: Knex): Promise<void> {
  await knex.schema.createTable(EXHAUSTED_TABLE, (t) => {
    t.text('consumer').notNullable();
    t.text('event_id').notNullable();
    t.json('event').notNullable(); // the parsed envelope the hook is given
    t.text('subject').notNullable(); // the NATS subject it came on, and its stream sequence
    t.bigInteger('stream_seq').notNullable();
    t.integer('deliveries').notNullable();
    t.text('error').notNullable(); // why the retries ran out, then why the hook last failed
    t.integer('hook_attempts').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['consumer', 'event_id']);
  });
  await knex.raw(`create index exhausted_messages_due on ${EXHAUSTED_TABLE} (next_attempt_at)`);
}

export async function dropExhaustedTable(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(EXHAUSTED_TABLE);
}
