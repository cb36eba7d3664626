import { PassThrough } from 'node:stream';
import { type Knex, type Logger, type Principal } from '@order-platform/shared';
import { findStatus, historySince } from '../data/orders-repository.js';
import { assertVisible } from './order-access.js';
import { isTerminal } from './order-lifecycle.js';

/**
 * Server-sent events of an order's status changes, one `status` event per transition from its
 * history (none is skipped, however fast they come), ending after a terminal status. Polls the
 * history by primary key rather than holding a LISTEN connection per client.
 */
export async function watchOrder(db: Knex, orderId: string, actor: Principal, log: Logger, pollMs = 200): Promise<PassThrough> {
  assertVisible(await findStatus(db, orderId), actor, orderId);
  const stream = new PassThrough();
  let lastId = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  stream.on('close', () => {
    closed = true;
    clearTimeout(timer);
  });
  const poll = async (): Promise<void> => {
    if (closed) return;
    try {
      for (const entry of await historySince(db, orderId, lastId)) {
        lastId = entry.id;
        const data = { id: orderId, status: entry.to, from: entry.from, cancellationReason: entry.reason, cause: entry.cause, at: entry.at.toISOString() };
        stream.write(`id: ${entry.id}\nevent: status\ndata: ${JSON.stringify(data)}\n\n`);
        if (isTerminal(entry.to)) {
          stream.end();
          return;
        }
      }
    } catch (error) {
      log.warn({ err: error, orderId }, 'order stream poll failed; retrying');
    }
    if (!closed) timer = setTimeout(() => void poll(), pollMs);
  };
  await poll();
  return stream;
}
