import type { Knex } from '@order-platform/shared';

/** What the API's use cases need. */
export interface QueryDeps {
  db: Knex;
  clock: () => Date;
}
