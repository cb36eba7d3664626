import type { Knex } from '@order-platform/shared';
import type { Notification, NotificationStatus } from '../domain/notification.js';
import type { Channel, TemplateName } from '../domain/templates.js';

interface NotificationRow {
  id: string;
  dedup_key: string;
  template: TemplateName;
  channel: Channel;
  order_id: string | null;
  customer_id: string | null;
  sku: string | null;
  recipient: string | null;
  subject: string | null;
  status: NotificationStatus;
  attempts: number;
  error: string | null;
  fallback: string | null;
  event_id: string;
  sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    dedupKey: row.dedup_key,
    template: row.template,
    channel: row.channel,
    orderId: row.order_id,
    customerId: row.customer_id,
    sku: row.sku,
    recipient: row.recipient,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    error: row.error,
    fallback: row.fallback,
    eventId: row.event_id,
    sentAt: row.sent_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(n: Notification): NotificationRow {
  return {
    id: n.id,
    dedup_key: n.dedupKey,
    template: n.template,
    channel: n.channel,
    order_id: n.orderId,
    customer_id: n.customerId,
    sku: n.sku,
    recipient: n.recipient,
    subject: n.subject,
    status: n.status,
    attempts: n.attempts,
    error: n.error,
    fallback: n.fallback,
    event_id: n.eventId,
    sent_at: n.sentAt,
    created_at: n.createdAt,
    updated_at: n.updatedAt,
  };
}

export async function findNotification(db: Knex | Knex.Transaction, dedupKey: string, options: { forUpdate?: boolean } = {}): Promise<Notification | undefined> {
  const query = db<NotificationRow>('notifications').where({ dedup_key: dedupKey }).first();
  const row = await (options.forUpdate ? query.forUpdate() : query);
  return row ? toNotification(row) : undefined;
}

/** Inserts or replaces the row of `notification.dedupKey` (the caller holds its lock). */
export async function saveNotification(trx: Knex.Transaction, notification: Notification): Promise<void> {
  const { id: _id, dedup_key: _key, created_at: _created, ...changes } = toRow(notification);
  await trx('notifications').insert(toRow(notification)).onConflict('dedup_key').merge(changes);
}

export async function startAttempt(trx: Knex.Transaction, notificationId: string, attempt: number, now: Date): Promise<void> {
  await trx('delivery_attempts').insert({ notification_id: notificationId, attempt, outcome: 'sending', started_at: now });
}

export async function finishAttempt(
  db: Knex | Knex.Transaction,
  notificationId: string,
  attempt: number,
  outcome: 'sent' | 'failed' | 'interrupted',
  error: string | null,
  now: Date,
): Promise<void> {
  await db('delivery_attempts').where({ notification_id: notificationId, attempt }).update({ outcome, error, finished_at: now });
}

export interface NotificationFilter {
  orderId?: string | undefined;
  status?: NotificationStatus | undefined;
  limit: number;
}

/** Newest first. */
export async function listNotifications(db: Knex, filter: NotificationFilter): Promise<Notification[]> {
  const query = db<NotificationRow>('notifications').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]).limit(filter.limit);
  if (filter.orderId) query.where({ order_id: filter.orderId });
  if (filter.status) query.where({ status: filter.status });
  return (await query).map(toNotification);
}

export interface AttemptRecord {
  attempt: number;
  outcome: string;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export async function listAttempts(db: Knex, notificationIds: string[]): Promise<Map<string, AttemptRecord[]>> {
  const rows = await db('delivery_attempts').whereIn('notification_id', notificationIds).orderBy(['notification_id', 'attempt']);
  const byId = new Map<string, AttemptRecord[]>();
  for (const row of rows as { notification_id: string; attempt: number; outcome: string; error: string | null; started_at: Date; finished_at: Date | null }[]) {
    const list = byId.get(row.notification_id) ?? [];
    list.push({ attempt: row.attempt, outcome: row.outcome, error: row.error, startedAt: row.started_at, finishedAt: row.finished_at });
    byId.set(row.notification_id, list);
  }
  return byId;
}
