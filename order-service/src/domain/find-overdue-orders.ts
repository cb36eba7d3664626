import type { Knex } from '@order-platform/shared';

export interface OverdueOrders {
  count: number;
  /** the oldest few, for the log */
  oldest: { id: string; status: string; createdAt: Date }[];
}

/**
 * The saga's own deadline: orders still `pending` or `stock_reserved` `deadlineMs` after they
 * were placed. Every event that moves an order is retried, dead-lettered with a failure hook or
 * swept, so one here means a step was lost: reported, for an operator (docs/architecture.md, "Invariants"). No
 * decision is taken for it: order-service cannot tell whether a charge is under way, and a
 * cancel it invented could race one.
 */
export async function findOverdueOrders(db: Knex, deadlineMs: number, now: Date, limit = 20): Promise<OverdueOrders> {
  const before = new Date(now.getTime() - deadlineMs);
  const open = db('orders').whereIn('status', ['pending', 'stock_reserved']).where('created_at', '<', before);
  const [{ count }] = (await open.clone().count<{ count: number }[]>('* as count')) as [{ count: number }];
  const oldest = await open.clone().orderBy('created_at').limit(limit).select<{ id: string; status: string; created_at: Date }[]>('id', 'status', 'created_at');
  return { count: Number(count), oldest: oldest.map((o) => ({ id: o.id, status: o.status, createdAt: o.created_at })) };
}
