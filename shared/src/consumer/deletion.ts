import type { ConsumerMessages } from '@nats-io/jetstream';
import type { Logger } from '../logger.js';

/**
 * A consumer deleted under a running worker is one being replayed (migrator/src/replay): it is
 * created again at once with another start. Left alone, the pull would notice only after missed
 * heartbeats, some 15 s later; ending it here makes the loop get the consumer again now. The
 * batches in flight finish; their acks no longer count, so the new consumer delivers their
 * messages again and they are skipped as duplicates.
 */
export async function endOnDeletion(messages: ConsumerMessages, log: Logger): Promise<void> {
  for await (const status of messages.status()) {
    if (status.type !== 'consumer_deleted') continue;
    log.warn({ description: status.description }, 'consumer deleted (replayed?): getting it again');
    messages.stop();
    return;
  }
}
