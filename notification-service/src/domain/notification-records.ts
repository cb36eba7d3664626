import type { OrderRecord, OrderRecordsReader } from '@order-platform/shared';
import { listAttempts, listNotifications } from '../data/notifications-repository.js';

/**
 * notification-service's facts about an order for the console's timeline: each notification
 * (template, channel, recipient, status, its Message-ID) and each delivery attempt with its outcome.
 */
export const notificationRecords: OrderRecordsReader = async (db, orderId) => {
  const notifications = await listNotifications(db, { orderId, limit: 100 });
  const attempts = await listAttempts(db, notifications.map((n) => n.id));
  const records: OrderRecord[] = [];
  for (const n of notifications) {
    // the email's Message-ID and the webhook-id are the notification id (delivery/email-channel.ts)
    const messageId = n.channel === 'email' ? `<${n.id}@notification-service>` : n.id;
    records.push({
      at: n.createdAt.toISOString(),
      kind: 'notification',
      summary: `${n.template} by ${n.channel} to ${n.recipient ?? 'nobody'}: ${n.status}${n.error ? ` (${n.error})` : ''}`,
      details: { notificationId: n.id, template: n.template, channel: n.channel, recipient: n.recipient, status: n.status, attempts: n.attempts, error: n.error, fallback: n.fallback, messageId, eventId: n.eventId },
    });
    for (const a of attempts.get(n.id) ?? []) {
      records.push({
        at: (a.finishedAt ?? a.startedAt).toISOString(),
        kind: 'delivery-attempt',
        summary: `attempt ${a.attempt} by ${n.channel}: ${a.outcome}${a.error ? ` (${a.error})` : ''}`,
        details: { notificationId: n.id, channel: n.channel, attempt: a.attempt, outcome: a.outcome, error: a.error, messageId, startedAt: a.startedAt.toISOString() },
      });
    }
  }
  return records.sort((a, b) => a.at.localeCompare(b.at));
};
