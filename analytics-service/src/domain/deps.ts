import type { Knex } from 'knex';

/** What the query use cases need: the database (read only) and the time, passed in. */
export interface QueryDeps {
  db: Knex;
  clock: () => Date;
}
