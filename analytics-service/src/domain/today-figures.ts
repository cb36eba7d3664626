import { averagePlacedToConfirmedMs, countOrders, lowStockAlerts, sumPayments } from '../data/figures-repository.js';
import type { QueryDeps } from './deps.js';
import { assembleBuckets, bucketStart, confirmationRate, type Revenue } from './figures.js';

export interface TodayFigures {
  date: string;
  orders: { placed: number; confirmed: number; cancelled: number; cancelledByReason: Record<string, number> };
  confirmationRate: number | null;
  revenue: Revenue[];
  avgPlacedToConfirmedMs: number | null;
  lowStock: { sku: string; name: string; available: number; threshold: number; detectedAt: string }[];
  perMinute: { minute: string; placed: number; confirmed: number; cancelled: number; revenue: { currency: string; captured: number }[] }[];
}

/** Today's figures (the UTC day of `clock()`): the day's totals, and each minute that had any activity. */
export async function todayFigures(deps: QueryDeps): Promise<TodayFigures> {
  const from = bucketStart('day', deps.clock());
  const window = { from, to: new Date(from.getTime() + 86_400_000) };
  const [dayCounts, dayPayments, minuteCounts, minutePayments, avgMs, lowStock] = await Promise.all([
    countOrders(deps.db, 'day', window),
    sumPayments(deps.db, 'day', window),
    countOrders(deps.db, 'minute', window),
    sumPayments(deps.db, 'minute', window),
    averagePlacedToConfirmedMs(deps.db, window),
    lowStockAlerts(deps.db, window),
  ]);
  const [day] = assembleBuckets(dayCounts, dayPayments, [from]);
  const { placed, confirmed, cancelled, cancelledByReason, revenue } = day!;
  return {
    date: from.toISOString().slice(0, 10),
    orders: { placed, confirmed, cancelled, cancelledByReason },
    confirmationRate: confirmationRate(confirmed, cancelled),
    revenue,
    avgPlacedToConfirmedMs: avgMs,
    lowStock: lowStock.map((s) => ({ sku: s.sku, name: s.name, available: s.available, threshold: s.threshold, detectedAt: s.detected_at.toISOString() })),
    perMinute: assembleBuckets(minuteCounts, minutePayments).map((b) => ({
      minute: b.start,
      placed: b.placed,
      confirmed: b.confirmed,
      cancelled: b.cancelled,
      revenue: b.revenue.map((r) => ({ currency: r.currency, captured: r.captured })),
    })),
  };
}
