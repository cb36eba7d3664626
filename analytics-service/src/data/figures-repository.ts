import type { Knex } from 'knex';

export type BucketUnit = 'minute' | 'hour' | 'day';

export interface CountRow {
  bucket: Date;
  kind: 'placed' | 'confirmed' | 'cancelled';
  reason: string | null;
  count: number;
}

export interface RevenueRow {
  bucket: Date;
  currency: string;
  captured: number;
  refunded: number;
}

export interface Window {
  from: Date;
  to: Date;
}

/** Orders placed, confirmed and cancelled (by reason) per bucket of `unit` (UTC), each by its own event time. */
export async function countOrders(db: Knex, unit: BucketUnit, { from, to }: Window): Promise<CountRow[]> {
  const { rows } = await db.raw<{ rows: CountRow[] }>(
    `select bucket, kind, reason, count(*)::int as count from (
       select date_trunc(:unit, placed_at, 'UTC') as bucket, 'placed' as kind, null as reason from analytics_orders where placed_at >= :from and placed_at < :to
       union all
       select date_trunc(:unit, confirmed_at, 'UTC'), 'confirmed', null from analytics_orders where confirmed_at >= :from and confirmed_at < :to
       union all
       select date_trunc(:unit, cancelled_at, 'UTC'), 'cancelled', cancellation_reason from analytics_orders where cancelled_at >= :from and cancelled_at < :to
     ) facts group by bucket, kind, reason order by bucket`,
    { unit, from, to },
  );
  return rows;
}

/** Captured and refunded amounts per bucket and currency (minor units), by capture / refund time. */
export async function sumPayments(db: Knex, unit: BucketUnit, { from, to }: Window): Promise<RevenueRow[]> {
  const { rows } = await db.raw<{ rows: Array<RevenueRow & { captured: string; refunded: string }> }>(
    `select date_trunc(:unit, time, 'UTC') as bucket, currency,
       coalesce(sum(amount) filter (where type = 'payments.captured'), 0) as captured,
       coalesce(sum(amount) filter (where type = 'payments.refunded'), 0) as refunded
     from analytics_events where type in ('payments.captured', 'payments.refunded') and time >= :from and time < :to
     group by 1, 2 order by 1, 2`,
    { unit, from, to },
  );
  return rows.map((r) => ({ ...r, captured: Number(r.captured), refunded: Number(r.refunded) }));
}

/** Average milliseconds from placed to confirmed over the orders confirmed in the window; null when none. */
export async function averagePlacedToConfirmedMs(db: Knex, { from, to }: Window): Promise<number | null> {
  const { rows } = await db.raw<{ rows: { ms: string | null }[] }>(
    `select avg(extract(epoch from confirmed_at - placed_at) * 1000) as ms from analytics_orders
     where confirmed_at >= :from and confirmed_at < :to and placed_at is not null`,
    { from, to },
  );
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? null : Math.round(Number(ms));
}

export interface LowStockRow {
  sku: string;
  name: string;
  available: number;
  threshold: number;
  detected_at: Date;
}

/** The latest low-stock alert of each product that had one in the window, newest first. */
export function lowStockAlerts(db: Knex, { from, to }: Window): Promise<LowStockRow[]> {
  return db('analytics_low_stock').where('detected_at', '>=', from).andWhere('detected_at', '<', to).orderBy([{ column: 'detected_at', order: 'desc' }, 'sku']);
}

export interface EventRow {
  id: string;
  type: string;
  subject: string;
  order_id: string | null;
  sku: string | null;
  time: Date;
  summary: string;
}

export function recentEvents(db: Knex, limit: number): Promise<EventRow[]> {
  return db('analytics_events')
    .select('id', 'type', 'subject', 'order_id', 'sku', 'time', 'summary')
    .orderBy([{ column: 'time', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(limit);
}
