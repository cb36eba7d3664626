import { PassThrough } from 'node:stream';
import type { Knex, Principal } from '@order-platform/shared';
import { historySince } from '../data/order-history-repository.js';
import { findStatus } from '../data/orders-repository.js';
import type { FeedEntry, HistoryFeed } from '../data/history-feed.js';
import { assertVisible } from './order-access.js';
import { isTerminal } from './order-lifecycle.js';
import type { StreamSlots } from './stream-slots.js';

export interface StreamDeps {
  db: Knex;
  feed: HistoryFeed;
  slots: StreamSlots;
  /** a stream ends after this long; the client reconnects with Last-Event-ID */
  lifetimeMs: number;
}

/** What EventSource waits before it reconnects, sent with the first line of each stream. */
const RECONNECT_MS = 1000;

/**
 * Server-sent events of an order's status changes, one `status` event per history entry after
 * `lastEventId` (event ids are history ids), none skipped however fast they come, ending after
 * a terminal status, after `lifetimeMs`, or when the process stops. The entries come from the
 * process's shared change feed, not from a poll per stream. A caller holds at most
 * `slots.max` streams at once (429 past it). Undefined when nothing is left to send: the order
 * ended at or before `lastEventId` (the route answers 204, which tells EventSource to stop).
 */
export async function watchOrder(deps: StreamDeps, orderId: string, actor: Principal, lastEventId = 0): Promise<PassThrough | undefined> {
  // before any query: refused streams cost the database nothing
  const release = deps.slots.take(actor.id);
  try {
    const order = assertVisible(await findStatus(deps.db, orderId), actor, orderId);
    if (isTerminal(order.status) && lastEventId > 0 && (await historySince(deps.db, orderId, lastEventId)).length === 0) {
      release();
      return undefined;
    }
  } catch (error) {
    release();
    throw error;
  }
  const stream = new PassThrough();
  // sends the headers at once, whether or not an entry is waiting
  stream.write(`retry: ${RECONNECT_MS}\n`);
  const end = (comment: string): void => {
    if (stream.writable) stream.end(`: ${comment}\n\n`);
  };
  const lifetime = setTimeout(() => end('stream lifetime reached: reconnect with Last-Event-ID'), deps.lifetimeMs);
  const unsubscribe = deps.feed.subscribe(orderId, lastEventId, {
    deliver(entries) {
      for (const entry of entries) {
        if (!stream.writable) return;
        stream.write(frame(orderId, entry));
        if (isTerminal(entry.to)) stream.end();
      }
    },
    end: () => end('server stopping: reconnect with Last-Event-ID'),
  });
  stream.on('close', () => {
    clearTimeout(lifetime);
    unsubscribe();
    release();
  });
  return stream;
}

function frame(orderId: string, entry: FeedEntry): string {
  const data = { id: orderId, status: entry.to, from: entry.from, cancellationReason: entry.reason, cause: entry.cause, at: entry.at.toISOString() };
  return `id: ${entry.id}\nevent: status\ndata: ${JSON.stringify(data)}\n\n`;
}
