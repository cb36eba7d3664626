import type { BulkWrite, BulkWriter } from '@order-platform/shared';
import type { EventFacts } from '../domain/event-facts.js';

type EventRow = EventFacts['event'];
type OrderRow = NonNullable<EventFacts['order']>;
type LowStockRow = NonNullable<EventFacts['lowStock']>;

/**
 * Defers one event's facts to the end of the unit of work, where a batch's facts are written
 * with one statement per table. Each write is idempotent on its own (the event by its id, an
 * order's fact set only where still unset, a low-stock alert only when newer), so applying an
 * event again (a replay after its processed_messages row was pruned, or a rebuild) changes
 * nothing; and each `merge` leaves what two statements would, so a batch equals its events
 * applied one by one.
 */
export function recordFacts(bulk: BulkWriter, facts: EventFacts): void {
  bulk.add(appliedEvents, facts.event);
  if (facts.order) bulk.add(orderFacts, facts.order);
  if (facts.lowStock) bulk.add(lowStockAlerts, facts.lowStock);
}

const appliedEvents: BulkWrite<EventRow> = {
  name: 'analytics-events-insert',
  text: `insert into analytics_events (id, type, subject, order_id, sku, time, summary, amount, currency)
    select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::int8[], $9::text[])
    on conflict (id) do nothing`,
  values: (rows) => [
    rows.map((e) => e.id),
    rows.map((e) => e.type),
    rows.map((e) => e.subject),
    rows.map((e) => e.orderId),
    rows.map((e) => e.sku),
    rows.map((e) => e.time),
    rows.map((e) => e.summary),
    rows.map((e) => e.money?.amount ?? null),
    rows.map((e) => e.money?.currency ?? null),
  ],
  key: (e) => e.id,
  // `do nothing`: the first of an id stays
  merge: (earlier) => earlier,
};

const orderFacts: BulkWrite<OrderRow> = {
  name: 'analytics-orders-upsert',
  text: `insert into analytics_orders (order_id, placed_at, confirmed_at, cancelled_at, cancellation_reason)
    select * from unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::text[])
    on conflict (order_id) do update set
      placed_at = coalesce(analytics_orders.placed_at, excluded.placed_at),
      confirmed_at = coalesce(analytics_orders.confirmed_at, excluded.confirmed_at),
      cancelled_at = coalesce(analytics_orders.cancelled_at, excluded.cancelled_at),
      cancellation_reason = coalesce(analytics_orders.cancellation_reason, excluded.cancellation_reason)`,
  values: (rows) => [
    rows.map((o) => o.orderId),
    rows.map((o) => o.placedAt ?? null),
    rows.map((o) => o.confirmedAt ?? null),
    rows.map((o) => o.cancelledAt ?? null),
    rows.map((o) => o.cancellationReason ?? null),
  ],
  key: (o) => o.orderId,
  // each fact is set once: the first value of each stays, as `coalesce` keeps it
  merge: (earlier, later) => ({
    orderId: earlier.orderId,
    placedAt: earlier.placedAt ?? later.placedAt,
    confirmedAt: earlier.confirmedAt ?? later.confirmedAt,
    cancelledAt: earlier.cancelledAt ?? later.cancelledAt,
    cancellationReason: earlier.cancellationReason ?? later.cancellationReason,
  }),
};

// the latest alert wins, whichever arrives last; ties break on the figures, so any order agrees
const lowStockAlerts: BulkWrite<LowStockRow> = {
  name: 'analytics-low-stock-upsert',
  text: `insert into analytics_low_stock (sku, name, available, threshold, detected_at)
    select * from unnest($1::text[], $2::text[], $3::int4[], $4::int4[], $5::timestamptz[])
    on conflict (sku) do update set name = excluded.name, available = excluded.available, threshold = excluded.threshold, detected_at = excluded.detected_at
    where (excluded.detected_at, excluded.available, excluded.threshold, excluded.name)
        > (analytics_low_stock.detected_at, analytics_low_stock.available, analytics_low_stock.threshold, analytics_low_stock.name)`,
  values: (rows) => [rows.map((a) => a.sku), rows.map((a) => a.name), rows.map((a) => a.available), rows.map((a) => a.threshold), rows.map((a) => a.detectedAt)],
  key: (a) => a.sku,
  // the statement's comparison, in memory; names compare by code point here, by collation in
  // Postgres: they differ only between two alerts of one sku at one instant with the same figures
  merge: (earlier, later) => (newer(later, earlier) ? later : earlier),
};

function newer(a: LowStockRow, b: LowStockRow): boolean {
  const order = Date.parse(a.detectedAt) - Date.parse(b.detectedAt) || a.available - b.available || a.threshold - b.threshold;
  return order !== 0 ? order > 0 : a.name > b.name;
}
