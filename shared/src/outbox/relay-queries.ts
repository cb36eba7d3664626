import type { Knex } from 'knex';
import type pg from 'pg';
import type { RawConnection } from '../db/statements.js';

/** An unpublished outbox row as the relay reads it: ready to go out, nothing to parse. */
export interface OutboxRow {
  id: string;
  seq: number;
  type: string;
  source: string;
  subject: string;
  /** ISO 8601 with milliseconds, as `Date#toISOString` writes it */
  time: string;
  traceparent: string | null;
  /** the json column as its text, verbatim */
  data: string;
  /** seconds since the row was written, by the database's clock */
  age: number;
}

// The relay's hot statements, prepared once per connection (pg keys them by name). `$2` is the
// seqs of the batches in flight as an int8 multirange, one parameter whatever their number, so
// the statement text never changes; `@>` is a binary search over its ranges.
const selectUnpublishedText = `
  select id, seq, type, source, subject,
         to_char(time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as time,
         traceparent, data::text as data,
         extract(epoch from now() - created_at)::float8 as age
    from outbox
   where published_at is null and not $2::int8multirange @> seq
   order by seq
   limit $1`;

export async function selectUnpublished(client: pg.Client, limit: number, excludedSeqs: string): Promise<OutboxRow[]> {
  const result = await client.query<OutboxRow>({ name: 'outbox-select-unpublished', text: selectUnpublishedText, values: [limit, excludedSeqs] });
  return result.rows;
}

const markStatement = 'update outbox set published_at = now() where id = any($1::uuid[])';

export async function markPublished(client: pg.Client, ids: string[]): Promise<void> {
  await client.query({ name: 'outbox-mark-published', text: markStatement, values: [ids] });
}

/** `markPublished` in a transaction of the relay's process that takes the marks with its COMMIT (`MarkWriter.take`). */
export async function markPublishedOn(connection: RawConnection, ids: string[]): Promise<void> {
  await connection.query({ name: 'outbox-mark-published', text: markStatement, values: [ids] });
}

export async function countUnpublished(client: pg.Client): Promise<number> {
  const result = await client.query<{ count: number }>('select count(*)::int as count from outbox where published_at is null');
  return result.rows[0]?.count ?? 0;
}

/** The seqs of rows (sorted by seq) as int8 ranges for the select's multirange: `[1,4],[7,7]`. */
export function seqRanges(rows: OutboxRow[]): string {
  const ranges: string[] = [];
  let from = Number(rows[0]!.seq);
  let to = from;
  for (let i = 1; i < rows.length; i++) {
    const seq = Number(rows[i]!.seq);
    if (seq === to + 1) {
      to = seq;
      continue;
    }
    ranges.push(`[${from},${to}]`);
    from = to = seq;
  }
  ranges.push(`[${from},${to}]`);
  return ranges.join(',');
}

/**
 * Deletes rows published longer than `retentionMs` ago, 5000 a statement so no statement holds
 * many locks, until none is left or `stopping()`; returns how many went.
 */
export async function prunePublished(db: Knex, retentionMs: number, stopping: () => boolean): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await db.raw<{ rowCount: number }>(
      `delete from outbox where id in (
         select id from outbox where published_at < now() - make_interval(secs => ?) limit 5000)`,
      [retentionMs / 1000],
    );
    total += result.rowCount;
    if (result.rowCount < 5000 || stopping()) return total;
  }
}
