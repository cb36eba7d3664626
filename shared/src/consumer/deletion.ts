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

/**
 * How long to wait before getting a consumer that could not be got, after logging why. A replay
 * deletes the consumer and creates it again a few milliseconds later: look again soon a few
 * times (quietly), then every 2 s, as an error (is it declared? has the migrator run?).
 */
export function missingConsumerDelay(failures: number, error: unknown, log: Logger, stream: string): number {
  if (failures <= 5) {
    log.info({ stream, reason: (error as Error).message }, 'cannot consume yet (being replayed?); looking again');
    return 200;
  }
  log.error({ err: error, stream }, 'cannot consume: is the consumer declared (has the migrator run)? retrying');
  return 2000;
}
