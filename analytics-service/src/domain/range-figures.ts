import { AppError } from '@order-platform/shared';
import { countOrders, sumPayments } from '../data/figures-repository.js';
import type { QueryDeps } from './deps.js';
import { assembleBuckets, bucketStarts, type Bucket } from './figures.js';

export type RangeBucket = 'hour' | 'day';

/** The widest range per bucket size: a month of hours, a year and a day of days. */
export const maxRangeDays: Record<RangeBucket, number> = { hour: 31, day: 366 };

export interface RangeQuery {
  from: string;
  to: string;
  bucket: RangeBucket;
}

export interface RangeFigures {
  from: string;
  to: string;
  bucket: RangeBucket;
  buckets: Bucket[];
}

/** Figures per hour or day over [from, to), every bucket listed (zero-filled), in time order. */
export async function rangeFigures(deps: QueryDeps, query: RangeQuery): Promise<RangeFigures> {
  const window = checkedWindow(query);
  const [counts, payments] = await Promise.all([countOrders(deps.db, query.bucket, window), sumPayments(deps.db, query.bucket, window)]);
  const buckets = assembleBuckets(counts, payments, bucketStarts(query.bucket, window.from, window.to));
  return { from: window.from.toISOString(), to: window.to.toISOString(), bucket: query.bucket, buckets };
}

function checkedWindow(query: RangeQuery): { from: Date; to: Date } {
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new AppError('bad_request', 'from and to must be RFC 3339 date-times');
  if (from >= to) throw new AppError('bad_request', 'from must be before to', { details: { from: query.from, to: query.to } });
  const days = (to.getTime() - from.getTime()) / 86_400_000;
  if (days > maxRangeDays[query.bucket]) {
    throw new AppError('bad_request', `a range of ${query.bucket} buckets spans at most ${maxRangeDays[query.bucket]} days`, { details: { days: Math.ceil(days) } });
  }
  return { from, to };
}
