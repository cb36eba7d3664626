import type { Knex } from 'knex';

export const EXHAUSTED_TABLE = 'exhausted_messages';

/** What a held row asks the worker's sweep to run: the on-exhausted hook, or the handler (a replayed dead letter). */
export type HeldKind = 'hook' | 'handler';

/** The channel a replay request is announced on once written, so the worker sweeps for it at once (see consumer/last-resort.ts). */
export const REPLAY_CHANNEL = 'replay_requested';

/**
 * Messages the worker's sweep runs again (see consumer/last-resort.ts), one row per consumer,
 * event and kind: `hook`, an exhausted message whose on-exhausted hook could not run yet, kept
 * until it has; `handler`, a dead letter an operator replayed through the api, run through its
 * consumer's handler (see consumer/replay-request.ts). `next_attempt_at` is when the sweep tries
 * again (and a lease while it tries).
 */
export async function createExhaustedTable(knex: Knex): Promise<void> {
  await knex.schema.createTable(EXHAUSTED_TABLE, (t) => {
    t.text('consumer').notNullable();
    t.text('event_id').notNullable();
    t.json('event').notNullable(); // the parsed envelope the hook or handler is given
    t.text('subject').notNullable(); // the NATS subject it came on, and its stream sequence
    t.bigInteger('stream_seq').notNullable();
    t.integer('deliveries').notNullable();
    t.text('error').notNullable(); // why it is here, then why the sweep's last attempt failed
    t.integer('hook_attempts').notNullable().defaultTo(0); // the sweep's attempts (of the hook or the handler)
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['consumer', 'event_id']);
  });
  await knex.raw(`create index exhausted_messages_due on ${EXHAUSTED_TABLE} (next_attempt_at)`);
  // a later addition, which services created before it add in a migration of their own
  await addReplayRequests(knex);
}

/**
 * Replay requests: the `kind` column (existing rows are hooks), the key widened by it (an event
 * can wait for its hook and be replayed at once), and a partial index for the replay sweep, which
 * polls often. Idempotent: `createExhaustedTable` runs it, and each existing service in a
 * migration of its own.
 */
export async function addReplayRequests(knex: Knex): Promise<void> {
  await knex.raw(`alter table ${EXHAUSTED_TABLE} add column if not exists kind text not null default 'hook' check (kind in ('hook', 'handler'))`);
  await knex.raw(`alter table ${EXHAUSTED_TABLE} drop constraint if exists exhausted_messages_pkey, add constraint exhausted_messages_pkey primary key (consumer, event_id, kind)`);
  await knex.raw(`create index if not exists exhausted_messages_replays on ${EXHAUSTED_TABLE} (next_attempt_at) where kind = 'handler'`);
}

export async function dropReplayRequests(knex: Knex): Promise<void> {
  await knex.raw(`delete from ${EXHAUSTED_TABLE} where kind <> 'hook'`);
  await knex.raw('drop index if exists exhausted_messages_replays');
  await knex.raw(`alter table ${EXHAUSTED_TABLE} drop constraint if exists exhausted_messages_pkey, add constraint exhausted_messages_pkey primary key (consumer, event_id)`);
  await knex.raw(`alter table ${EXHAUSTED_TABLE} drop column if exists kind`);
}

export async function dropExhaustedTable(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(EXHAUSTED_TABLE);
}
