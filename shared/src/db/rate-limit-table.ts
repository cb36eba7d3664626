import type { Knex } from 'knex';

/** Where the api's rate limiter counts requests (rate-limiter-flexible's RateLimiterPostgres). */
export const RATE_LIMIT_TABLE = 'rate_limits';

/**
 * The rate limiter's table, created by a migration of each service: api processes may only read
 * and write rows, so the limiter is told the table exists and never runs its own CREATE TABLE.
 * The columns are the ones RateLimiterPostgres creates and queries (key, points, expire in epoch ms).
 */
export async function createRateLimitTable(knex: Knex): Promise<void> {
  await knex.raw(`create table ${RATE_LIMIT_TABLE} (key varchar(255) primary key, points integer not null default 0, expire bigint)`);
  // the limiter deletes expired rows every few minutes; a flood from many addresses leaves many
  await knex.raw(`create index ${RATE_LIMIT_TABLE}_expire on ${RATE_LIMIT_TABLE} (expire)`);
}

export async function dropRateLimitTable(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(RATE_LIMIT_TABLE);
}
