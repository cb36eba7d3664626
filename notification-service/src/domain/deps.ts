import type { Knex, UnitOfWorkDeps } from '@order-platform/shared';

/** What the API's queries need. */
export interface QueryDeps {
  db: Knex;
  clock: () => Date;
}

/** What the API's use cases that write need: what opens a unit of work (database, outbox, clock, log). */
export type UseCaseDeps = UnitOfWorkDeps;
