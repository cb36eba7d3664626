import type { BucketUnit, CountRow, RevenueRow } from '../data/figures-repository.js';

export interface Revenue {
  currency: string;
  captured: number;
  refunded: number;
  net: number;
}

export interface Bucket {
  start: string;
  placed: number;
  confirmed: number;
  cancelled: number;
  cancelledByReason: Record<string, number>;
  revenue: Revenue[];
}

const unitMs: Record<BucketUnit, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The start (UTC) of the bucket of `unit` that holds `time`. */
export function bucketStart(unit: BucketUnit, time: Date): Date {
  return new Date(Math.floor(time.getTime() / unitMs[unit]) * unitMs[unit]);
}

/** Every bucket start from the one holding `from` up to `to` (exclusive). */
export function bucketStarts(unit: BucketUnit, from: Date, to: Date): Date[] {
  const starts: Date[] = [];
  for (let t = bucketStart(unit, from).getTime(); t < to.getTime(); t += unitMs[unit]) starts.push(new Date(t));
  return starts;
}

function emptyBucket(start: Date): Bucket {
  return { start: start.toISOString(), placed: 0, confirmed: 0, cancelled: 0, cancelledByReason: {}, revenue: [] };
}

/**
 * Puts the counted rows into buckets: every start in `starts` (zero-filled), or, without
 * `starts`, only the buckets that had something, in time order.
 */
export function assembleBuckets(counts: CountRow[], payments: RevenueRow[], starts?: Date[]): Bucket[] {
  const buckets = new Map<number, Bucket>((starts ?? []).map((s) => [s.getTime(), emptyBucket(s)]));
  const at = (date: Date): Bucket => {
    let bucket = buckets.get(date.getTime());
    if (!bucket) buckets.set(date.getTime(), (bucket = emptyBucket(date)));
    return bucket;
  };
  for (const row of counts) {
    const bucket = at(row.bucket);
    bucket[row.kind] += row.count;
    if (row.kind === 'cancelled' && row.reason) bucket.cancelledByReason[row.reason] = (bucket.cancelledByReason[row.reason] ?? 0) + row.count;
  }
  for (const row of payments) at(row.bucket).revenue.push(revenueOf(row.currency, row.captured, row.refunded));
  return [...buckets.values()].sort((a, b) => a.start.localeCompare(b.start));
}

export function revenueOf(currency: string, captured: number, refunded: number): Revenue {
  return { currency: currency.trim(), captured, refunded, net: captured - refunded };
}

/** confirmed / (confirmed + cancelled), or null before any order ended. */
export function confirmationRate(confirmed: number, cancelled: number): number | null {
  return confirmed + cancelled === 0 ? null : confirmed / (confirmed + cancelled);
}
