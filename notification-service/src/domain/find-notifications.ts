import { listAttempts, listNotifications, type AttemptRecord, type NotificationFilter } from '../data/notifications-repository.js';
import type { QueryDeps } from './deps.js';
import type { Notification } from './notification.js';

export type NotificationView = Omit<Notification, 'dedupKey'> & { attemptLog: AttemptRecord[] };

/** The delivery log, newest first, each notification with its attempts. */
export async function findNotifications(deps: QueryDeps, filter: NotificationFilter): Promise<NotificationView[]> {
  const notifications = await listNotifications(deps.db, filter);
  const attempts = notifications.length > 0 ? await listAttempts(deps.db, notifications.map((n) => n.id)) : new Map<string, AttemptRecord[]>();
  return notifications.map(({ dedupKey: _key, ...n }) => ({ ...n, attemptLog: attempts.get(n.id) ?? [] }));
}
