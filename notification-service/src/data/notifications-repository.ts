import type { Knex, RawConnection as Connection } from '@order-platform/shared';
import type { Notification, NotificationStatus } from '../domain/notification.js';
import type { Channel, TemplateName, TemplateText } from '../domain/templates.js';

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

type Json<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

const fromJson = (n: Json<NotificationRow>): Notification =>
  toNotification({ ...n, sent_at: n.sent_at === null ? null : new Date(n.sent_at), created_at: new Date(n.created_at), updated_at: new Date(n.updated_at) });

/** What a delivery reads before it sends: its order's owner, the notification of its key, its template's text. */
export interface DeliveryState {
  /** the customer of `orderId` when the order is known (orders.created came), else undefined */
  orderCustomerId: string | undefined;
  existing: Notification | undefined;
  text: TemplateText | undefined;
}

const findState = `select (select o.customer_id from known_orders o where o.order_id = $1) as order_customer_id,
       (select row_to_json(n) from notifications n where n.dedup_key = $2) as notification,
       (select json_build_object('subject', t.subject, 'body', t.body) from templates t where t.name = $3 and t.channel = $4) as text`;

/**
 * The known order of `orderId` (none asked when null), the notification of `dedupKey` and the
 * stored text of its template for `channel`, in one statement: a delivery reads all three before
 * it sends, so one round trip, not three.
 */
export async function findDeliveryState(connection: Connection, key: { orderId: string | null; dedupKey: string; template: TemplateName; channel: Channel }): Promise<DeliveryState> {
  const { rows } = await connection.query<{ order_customer_id: string | null; notification: Json<NotificationRow> | null; text: TemplateText | null }>({
    name: 'notification-delivery-state',
    text: findState,
    values: [key.orderId, key.dedupKey, key.template, key.channel],
  });
  const row = rows[0]!;
  return { orderCustomerId: row.order_customer_id ?? undefined, existing: row.notification ? fromJson(row.notification) : undefined, text: row.text ?? undefined };
}

const columns: (keyof NotificationRow)[] = [
  'id', 'dedup_key', 'template', 'channel', 'order_id', 'customer_id', 'sku', 'recipient', 'subject',
  'status', 'attempts', 'error', 'fallback', 'event_id', 'sent_at', 'created_at', 'updated_at',
];
const kept = new Set<keyof NotificationRow>(['id', 'dedup_key', 'created_at']);

/** What happens to the delivery attempts with a save: one finishes, one starts. */
export interface AttemptChanges {
  finish?: { attempt: number; outcome: 'sent' | 'failed' | 'interrupted'; error: string | null };
  start?: number;
}

/** The save statement of each shape of AttemptChanges, named, so each is prepared once per connection. */
const saves = new Map<string, string>();

function saveStatement(finish: boolean, start: boolean): { name: string; text: string } {
  const name = `notification-save${finish ? '-finish' : ''}${start ? '-start' : ''}`;
  let text = saves.get(name);
  if (!text) {
    let n = columns.length;
    const ctes = [
      `saved as (insert into notifications (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})
         on conflict (dedup_key) do update set ${columns.filter((c) => !kept.has(c)).map((c) => `${c} = excluded.${c}`).join(', ')})`,
    ];
    if (finish) ctes.push(`finished as (update delivery_attempts set outcome = $${++n}, error = $${++n}, finished_at = $${++n} where notification_id = $1 and attempt = $${++n})`);
    if (start) ctes.push(`started as (insert into delivery_attempts (notification_id, attempt, outcome, started_at) values ($1, $${++n}, 'sending', $${++n}))`);
    text = `with ${ctes.join(',\n')} select 1`;
    saves.set(name, text);
  }
  return { name, text };
}

/**
 * Inserts or replaces the row of `notification.dedupKey` (the caller holds its lock) and records
 * its attempts, in one statement on `connection`: atomic on its own, so it needs no transaction
 * (and no BEGIN and COMMIT round trips). An attempt's row refers to the notification inserted
 * with it; foreign keys are checked at the end of the statement.
 */
export async function saveNotificationOn(connection: Connection, notification: Notification, attempts: AttemptChanges = {}, now: Date = notification.updatedAt): Promise<void> {
  const row = toRow(notification);
  const values: unknown[] = columns.map((c) => row[c]);
  if (attempts.finish) values.push(attempts.finish.outcome, attempts.finish.error, now, attempts.finish.attempt);
  if (attempts.start !== undefined) values.push(attempts.start, now);
  await connection.query({ ...saveStatement(attempts.finish !== undefined, attempts.start !== undefined), values });
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
