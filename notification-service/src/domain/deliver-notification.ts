import { randomUUID } from 'node:crypto';
import { AppError, connectionOf, isPermanent, type LockKey, type Logger, type UnitOfWork } from '@order-platform/shared';
import type { DeliveryLedger } from '../data/delivery-ledger.js';
import { findDeliveryState, findNotification, type DeliveryState } from '../data/notifications-repository.js';
import type { DeliveryChannel } from '../delivery/channel.js';
import type { CustomerDirectory } from './customer.js';
import type { NotificationRequest } from './notification-requests.js';
import { chooseAddressee, decideDelivery, isSettled, type Addressee, type Notification } from './notification.js';
import { renderStored, type Renderer } from './render-stored.js';
import type { Channel, TemplateText } from './templates.js';

export interface DeliveryDeps {
  /**
   * The delivery log, on a pool of its own: the claim commits before the send and the outcome
   * after it, apart from the handler's transaction (which only holds the lock and the
   * processed-message row), and apart from the handlers' pool so it can never run dry; the
   * writes of deliveries running side by side share transactions (DeliveryLedger).
   */
  ledger: DeliveryLedger;
  directory: CustomerDirectory;
  channels: Partial<Record<Channel, DeliveryChannel>>;
  routing: { customer: Channel; staff: Channel; staffEmail: string };
  render: Renderer;
  clock: () => Date;
}

// Advisory locks in the two-key form, so they never meet the relay's one-key leader lock.
const LOCK_SPACE = 4004;

/** The lock a delivery runs under. */
export function deliveryLock(dedupKey: string): LockKey {
  return { space: LOCK_SPACE, key: dedupKey };
}

/** The channel a request goes out by: staff alerts and customer notifications are routed apart. */
export function channelOf(deps: DeliveryDeps, request: NotificationRequest): Channel {
  return request.audience === 'staff' ? deps.routing.staff : deps.routing.customer;
}

const takeLock = 'select pg_advisory_xact_lock($1, hashtext($2))';

/**
 * Delivers a notification whose lock the batch did not take (a held one, which orders.created
 * finds only as it runs): takes the lock in the handler's transaction, reads the delivery's state
 * under it, and delivers it (`deliverLocked`).
 */
export async function deliverNotification(deps: DeliveryDeps, request: NotificationRequest, { trx, log }: UnitOfWork): Promise<Notification> {
  const connection = await connectionOf(trx);
  const lock = deliveryLock(request.dedupKey);
  await connection.query({ name: 'notification-delivery-lock', text: takeLock, values: [lock.space, lock.key] });
  const state = await findDeliveryState(connection, { orderId: null, dedupKey: request.dedupKey, template: request.template, channel: channelOf(deps, request) });
  return deliverLocked(deps, request, state, log);
}

/**
 * Delivers one notification at most once per dedup key, even when its event is delivered twice
 * or a worker dies mid-way. The caller holds the transaction-scoped lock on the key (released by
 * Postgres when the handler's transaction ends, also when the worker dies) and read `state` under
 * it: the batch takes it for an event whose subscription names it (`lockOn`), `deliverNotification`
 * for a held one. Skip when the log says it is settled; else claim it (`sending`, committed),
 * send, and record the outcome. A crash between the send and that record leaves `sending` behind,
 * which the next delivery finds under the lock and resolves without a second email (see `decideDelivery`).
 */
export async function deliverLocked(deps: DeliveryDeps, request: NotificationRequest, state: Pick<DeliveryState, 'existing' | 'text'>, log: Logger): Promise<Notification> {
  const { existing, text: stored } = state;
  if (existing && isSettled(existing)) return existing;
  const channelName = channelOf(deps, request);

  const channel = deps.channels[channelName];
  if (!channel) throw new AppError('permanent', `the ${channelName} channel is not configured`);
  const lookup = request.customerId ? { customerId: request.customerId, result: await deps.directory.find(request.customerId) } : undefined;
  const addressee = chooseAddressee(request.audience, channelName, lookup, deps.routing.staffEmail);
  const step = decideDelivery(existing, addressee, channel.deduplicates);
  const now = deps.clock();
  const base: Notification = existing ?? newNotification(request, channelName, now);

  switch (step.kind) {
    case 'done':
      return base;
    case 'skip':
      return record(deps, log, { ...base, status: 'skipped', error: step.reason, updatedAt: now }, 'notification skipped');
    case 'unconfirm': {
      const unconfirmed: Notification = {
        ...base,
        status: 'unconfirmed',
        error: `a worker stopped during the send; not sent again so the customer never gets two (Message-ID <${base.id}@notification-service>)`,
        updatedAt: now,
      };
      await deps.ledger.save(unconfirmed, { finish: { attempt: base.attempts, outcome: 'interrupted', error: 'worker stopped during the send' } });
      log.warn({ notificationId: base.id, dedupKey: base.dedupKey, recipient: base.recipient }, 'notification delivery unconfirmed: check the mail server log');
      return unconfirmed;
    }
    case 'send':
      return send(deps, request, channel, stored, addressee as Extract<Addressee, { kind: 'send' }>, { ...base, attempts: step.attempt }, step.interrupted, log);
  }
}

async function send(
  deps: DeliveryDeps,
  request: NotificationRequest,
  channel: DeliveryChannel,
  template: TemplateText | undefined,
  addressee: Extract<Addressee, { kind: 'send' }>,
  notification: Notification,
  interrupted: boolean,
  log: Logger,
): Promise<Notification> {
  if (!template) throw new AppError('permanent', `no ${channel.name} text for template ${request.template}`);
  let text: TemplateText;
  try {
    text = await renderStored(deps.render, request.template, channel.name, template, { ...request.variables, customerName: addressee.name });
  } catch (error) {
    if (isPermanent(error)) {
      // nothing was sent, so no attempt is counted; a replay after the text is fixed sends it
      const failed: Notification = { ...notification, attempts: notification.attempts - 1, channel: channel.name, status: 'failed', error: (error as Error).message, updatedAt: deps.clock() };
      await record(deps, log, failed, 'notification failed: its template cannot be rendered');
    }
    throw error;
  }
  const claimedAt = deps.clock();
  const claimed: Notification = {
    ...notification,
    channel: channel.name,
    recipient: addressee.recipient,
    subject: text.subject,
    status: 'sending',
    error: null,
    fallback: addressee.fallback,
    updatedAt: claimedAt,
  };
  const previous = interrupted ? { finish: { attempt: claimed.attempts - 1, outcome: 'interrupted' as const, error: 'worker stopped during the send' } } : {};
  await deps.ledger.save(claimed, { ...previous, start: claimed.attempts });
  try {
    await channel.send({
      id: claimed.id,
      template: request.template,
      recipient: addressee.recipient,
      subject: text.subject,
      body: text.body,
      context: { orderId: request.orderId ?? null, sku: request.sku ?? null, customer: { id: request.customerId ?? null, name: addressee.name, email: addressee.email }, fallback: addressee.fallback },
    });
  } catch (error) {
    const message = (error as Error).message;
    const permanent = error instanceof AppError && error.kind === 'permanent';
    const failed: Notification = { ...claimed, status: permanent ? 'failed' : 'retrying', error: message, updatedAt: deps.clock() };
    await deps.ledger.save(failed, { finish: { attempt: claimed.attempts, outcome: 'failed', error: message } }, { transaction: true });
    throw error;
  }
  const sentAt = deps.clock();
  const sent: Notification = { ...claimed, status: 'sent', sentAt, updatedAt: sentAt };
  // In a transaction (DeliveryLedger's, which the writes of other deliveries may share), though
  // one statement: Postgres runs a lone statement to its commit even when its worker died while
  // it waited (on a lock), whereas a dead worker's COMMIT never comes; so a worker killed before
  // it learned the outcome leaves `sending`, as decideDelivery expects. (A lone statement guarded
  // by the handler's lock being still held, or client_connection_check_interval, would close the
  // window only most of the time.)
  await deps.ledger.save(sent, { finish: { attempt: sent.attempts, outcome: 'sent', error: null } }, { transaction: true });
  log.info({ notificationId: sent.id, template: sent.template, channel: sent.channel, recipient: sent.recipient, attempt: sent.attempts, fallback: sent.fallback }, 'notification sent');
  return sent;
}

/** The retries ran out (the event is in the DLQ now): the log says `failed` until a replay sends it. */
export async function giveUpNotification(deps: DeliveryDeps, request: NotificationRequest, error: unknown, log: Logger): Promise<void> {
  const existing = await findNotification(deps.ledger.db, request.dedupKey);
  if (!existing || isSettled(existing)) return;
  const reason = `retries exhausted: ${(error as Error).message}`;
  await record(deps, log, { ...existing, status: 'failed', error: reason, updatedAt: deps.clock() }, 'notification failed: its event is in the DLQ; replay it once the channel works');
}

async function record(deps: DeliveryDeps, log: Logger, notification: Notification, message: string): Promise<Notification> {
  await deps.ledger.save(notification);
  const level = notification.status === 'failed' ? 'error' : 'info';
  log[level]({ notificationId: notification.id, dedupKey: notification.dedupKey, template: notification.template, status: notification.status, reason: notification.error }, message);
  return notification;
}

function newNotification(request: NotificationRequest, channel: Channel, now: Date): Notification {
  return {
    id: randomUUID(),
    dedupKey: request.dedupKey,
    template: request.template,
    channel,
    orderId: request.orderId ?? null,
    customerId: request.customerId ?? null,
    sku: request.sku ?? null,
    recipient: null,
    subject: null,
    status: 'sending',
    attempts: 0,
    error: null,
    fallback: null,
    eventId: request.eventId,
    sentAt: null,
    createdAt: now,
    updatedAt: now,
  };
}
