import type { CustomerLookup } from './customer.js';
import type { Channel, TemplateName } from './templates.js';

/**
 * A notification's delivery, as the log keeps it:
 * - `sending`: claimed and committed before the send; `sent` once the channel accepted it;
 * - `retrying`: the last attempt failed transiently, the message is being redelivered;
 * - `failed`: a permanent refusal, or the retries ran out (the event is in the DLQ);
 * - `skipped`: nothing could be sent (no address), with the reason in `error`;
 * - `unconfirmed`: a worker died during a send on a channel whose receiver cannot drop a repeat,
 *   so whether it went out is unknown, and it is not sent again. Email and webhooks both resend
 *   with the same id (Message-ID, webhook-id) today, so only a channel added later can get here.
 */
export type NotificationStatus = 'sending' | 'sent' | 'retrying' | 'failed' | 'skipped' | 'unconfirmed';

export interface Notification {
  id: string;
  dedupKey: string;
  template: TemplateName;
  channel: Channel;
  orderId: string | null;
  customerId: string | null;
  sku: string | null;
  recipient: string | null;
  subject: string | null;
  status: NotificationStatus;
  attempts: number;
  error: string | null;
  fallback: string | null;
  eventId: string;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Who a notification goes to, or why it cannot go. */
export type Addressee =
  | { kind: 'send'; recipient: string; name: string; email: string | null; fallback: string | null }
  | { kind: 'skip'; reason: string };

export type DeliveryStep =
  | { kind: 'done' } // sent, skipped or unconfirmed already: a redelivery changes nothing
  | { kind: 'skip'; reason: string }
  | { kind: 'send'; attempt: number; interrupted: boolean }
  | { kind: 'unconfirm' };

/**
 * What to do with a notification when its event arrives. The caller holds the notification's
 * lock for the whole handling, so a `sending` row found here was left by a worker that died
 * between claiming and settling: the send may or may not have happened.
 */
export function decideDelivery(current: Notification | undefined, addressee: Addressee, channelDeduplicates: boolean): DeliveryStep {
  const attempt = (current?.attempts ?? 0) + 1;
  switch (current?.status) {
    case 'sent':
    case 'skipped':
    case 'unconfirmed':
      return { kind: 'done' };
    case 'sending':
      // The receiver knows a repeat by its id (webhook-id; an email's Message-ID), so sending again is safe.
      return channelDeduplicates && addressee.kind === 'send' ? { kind: 'send', attempt, interrupted: true } : { kind: 'unconfirm' };
    case undefined:
    case 'retrying':
    case 'failed': // replayed from the DLQ
      return addressee.kind === 'skip' ? { kind: 'skip', reason: addressee.reason } : { kind: 'send', attempt, interrupted: false };
    default:
      return unreachable(current!.status);
  }
}

/** The greeting used when the directory cannot name the customer. */
export const GENERIC_NAME = 'valued customer';

/**
 * Who a notification goes to. Staff alerts go to the configured address. A customer's come from
 * the directory; without it an email has no address and is skipped, while a webhook still goes
 * out with a generic greeting and the customer id, saying why in `fallback`.
 */
export function chooseAddressee(
  audience: 'customer' | 'staff',
  channel: Channel,
  lookup: { customerId: string; result: CustomerLookup } | undefined,
  staffEmail: string,
): Addressee {
  if (audience === 'staff' || !lookup) return { kind: 'send', recipient: channel === 'email' ? staffEmail : 'staff', name: 'team', email: staffEmail, fallback: null };
  const { customerId, result } = lookup;
  if (result.status === 'found') return { kind: 'send', recipient: result.customer.email, name: result.customer.name, email: result.customer.email, fallback: null };
  const why = result.status === 'unknown' ? `customer ${customerId} is not in the directory` : `customer directory unavailable (${result.reason})`;
  if (channel === 'email') return { kind: 'skip', reason: `${why}: no address to send to` };
  return { kind: 'send', recipient: `customer:${customerId}`, name: GENERIC_NAME, email: null, fallback: why };
}

export function isSettled(notification: Notification): boolean {
  return notification.status === 'sent' || notification.status === 'skipped' || notification.status === 'unconfirmed';
}

function unreachable(value: never): never {
  throw new Error(`unhandled notification status ${String(value)}`);
}
