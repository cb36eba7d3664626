import type { Knex, Outbox } from '@order-platform/shared';

/** What the use cases of this service need: the database, the outbox and the clock. */
export interface UseCaseDeps {
  db: Knex;
  outbox: Outbox;
  clock: () => Date;
}
