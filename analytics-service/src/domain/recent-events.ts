import { recentEvents } from '../data/figures-repository.js';
import type { QueryDeps } from './deps.js';

export interface RecentEvent {
  id: string;
  type: string;
  subject: string;
  /** the order the event is about, or null for a product's event (then `sku`) */
  orderId: string | null;
  sku: string | null;
  time: string;
  summary: string;
}

/** The latest events applied, newest first by their own time. */
export async function findRecentEvents(deps: QueryDeps, limit: number): Promise<{ events: RecentEvent[] }> {
  const rows = await recentEvents(deps.db, limit);
  return { events: rows.map((r) => ({ id: r.id, type: r.type, subject: r.subject, orderId: r.order_id, sku: r.sku, time: r.time.toISOString(), summary: r.summary })) };
}
