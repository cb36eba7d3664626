import type { Knex, Outbox } from '@order-platform/shared';

/** What the use cases of this service need: the database, the outbox, the clock and their settings. */
export interface UseCaseDeps {
  db: Knex;
  outbox: Outbox;
  clock: () => Date;
  /** how long an Idempotency-Key is remembered */
  idempotencyRetentionMs: number;
}
