import type { Knex } from 'knex';
import type { EventFacts } from '../domain/event-facts.js';

/**
 * Writes one event's facts. Each write is idempotent on its own (the event by its id, an order's
 * fact set only where still unset, a low-stock alert only when newer), so applying an event again
 * (a replay after its processed_messages row was pruned, or a rebuild) changes nothing.
 */
export async function recordFacts(trx: Knex.Transaction, facts: EventFacts): Promise<void> {
  const { event, order, lowStock } = facts;
  await trx.raw(
    `insert into analytics_events (id, type, subject, order_id, sku, time, summary, amount, currency)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (id) do nothing`,
    [event.id, event.type, event.subject, event.orderId, event.sku, event.time, event.summary, event.money?.amount ?? null, event.money?.currency ?? null],
  );
  if (order) {
    await trx.raw(
      `insert into analytics_orders (order_id, placed_at, confirmed_at, cancelled_at, cancellation_reason) values (?, ?, ?, ?, ?)
       on conflict (order_id) do update set
         placed_at = coalesce(analytics_orders.placed_at, excluded.placed_at),
         confirmed_at = coalesce(analytics_orders.confirmed_at, excluded.confirmed_at),
         cancelled_at = coalesce(analytics_orders.cancelled_at, excluded.cancelled_at),
         cancellation_reason = coalesce(analytics_orders.cancellation_reason, excluded.cancellation_reason)`,
      [order.orderId, order.placedAt ?? null, order.confirmedAt ?? null, order.cancelledAt ?? null, order.cancellationReason ?? null],
    );
  }
  if (lowStock) {
    // the latest alert wins, whichever arrives last; ties break on the figures, so any order agrees
    await trx.raw(
      `insert into analytics_low_stock (sku, name, available, threshold, detected_at) values (?, ?, ?, ?, ?)
       on conflict (sku) do update set name = excluded.name, available = excluded.available, threshold = excluded.threshold, detected_at = excluded.detected_at
       where (excluded.detected_at, excluded.available, excluded.threshold, excluded.name)
           > (analytics_low_stock.detected_at, analytics_low_stock.available, analytics_low_stock.threshold, analytics_low_stock.name)`,
      [lowStock.sku, lowStock.name, lowStock.available, lowStock.threshold, lowStock.detectedAt],
    );
  }
}
