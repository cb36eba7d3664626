import type { Counter } from 'prom-client';
import { isPermanent } from '../errors.js';
import { envelopeHeaders, type AnyEventEnvelope } from '../events/envelope.js';
import { EXHAUSTED_TABLE } from '../db/exhausted-table.js';
import type { Logger } from '../logger.js';
import { handleBatch, type BatchDeps, type BatchItem } from './batch.js';
import { writeDeadLetter, type DeadLetterDeps } from './dead-letter.js';
import { asMessage, heldEvent, type HeldRow } from './last-resort.js';
import { MessageScope } from './message-scope.js';
import { backoff, type RetryPolicy } from './retry.js';
import type { Subscription } from './subscription.js';

export interface ReplayDeps extends Omit<BatchDeps, 'log'> {
  service: string;
  log: Logger;
  retry: RetryPolicy;
  subscriptions: Subscription[];
  deadLetters: DeadLetterDeps;
  /** counts each attempt's outcome: handled, duplicate, retried, dead_lettered */
  replays: Counter;
}

const encoder = new TextEncoder();

/**
 * Runs a replay request (a dead letter an operator replayed, see admin/replay-request.ts)
 * through its consumer's handler, exactly as the consumer loop would: `handleBatch` under the
 * same processed-messages key (the event id), so an event applied already is a duplicate and
 * one that failed is applied once. Its failure follows the consumer's policy: transient, tried
 * again with growing delay up to the consumer's `maxAttempts`; permanent or exhausted, a fresh
 * dead letter with the new error (on `dlq.<service>.<consumer>`, which the service publishes),
 * and an exhausted one's on-exhausted hook is then swept as any other (a duplicate if it ran
 * when the message first ran out). Returns true when the request is done.
 */
export async function runReplay(deps: ReplayDeps, row: HeldRow): Promise<boolean> {
  const { db, outbox, clock, service } = deps;
  const subscription = deps.subscriptions.find((s) => s.consumer.durable === row.consumer);
  const event = heldEvent(row);
  const log = deps.log.child({ consumer: row.consumer, eventId: row.event_id, replay: true });
  if (!subscription) {
    log.error('a replayed dead letter is for a consumer this worker does not run (another version of the worker?); left for an operator');
    return false;
  }
  const attempt = row.hook_attempts + 1;
  const scope = new MessageScope(service, row.consumer, event.type, asMessage(row, event, attempt), event.id, event.subject);
  const item: BatchItem = { key: event.id, delivery: attempt, locks: subscription.locks?.(event as never) ?? [], scope, run: (work) => subscription.handle(event as never, work) };
  const failure = await handleBatch({ db, outbox, clock, log }, row.consumer, [item]).then(
    () => (item.result?.kind === 'failed' ? item.result.error : undefined),
    (transactionError: unknown) => transactionError,
  );
  const request = db(EXHAUSTED_TABLE).where({ consumer: row.consumer, event_id: row.event_id, kind: 'handler' });
  if (failure === undefined) {
    await request.delete();
    const outcome = item.result?.kind === 'duplicate' ? 'duplicate' : 'handled';
    log.info({ outcome }, outcome === 'duplicate' ? 'replayed dead letter was applied already: skipped' : 'replayed dead letter handled');
    scope.end(outcome);
    deps.replays.inc({ consumer: row.consumer, outcome });
    return true;
  }
  scope.failed(failure);
  const reason = String((failure as Error)?.message ?? failure).slice(0, 2000);
  const permanent = isPermanent(failure);
  if ((permanent || attempt >= subscription.consumer.maxAttempts) && (await deadLetterAgain(deps, row, event, attempt, failure, log))) {
    if (!permanent && subscription.onExhausted) {
      // the row becomes the hook's; one already held for this event keeps its place instead
      await request.clone().update({ kind: 'hook', hook_attempts: 0, deliveries: attempt, error: reason, next_attempt_at: db.fn.now() }).catch(() => request.clone().delete());
    } else {
      await request.clone().delete();
    }
    scope.end('dead_lettered');
    deps.replays.inc({ consumer: row.consumer, outcome: 'dead_lettered' });
    return true;
  }
  const delayMs = backoff(attempt, deps.retry);
  log.warn({ err: failure, attempt, delayMs }, 'replayed dead letter failed; will retry');
  await request.clone()
    .update({ hook_attempts: attempt, error: reason, next_attempt_at: db.raw('now() + make_interval(secs => ?)', [delayMs / 1000]) })
    .catch((updateError: unknown) => log.warn({ err: updateError }, 'could not record the failed attempt; the lease runs out and it is tried again'));
  scope.end('retried');
  deps.replays.inc({ consumer: row.consumer, outcome: 'retried' });
  return false;
}

/** A fresh dead letter of the replayed event, with the new error; its deduplication key is the request's, so a retried write stores one. */
function deadLetterAgain(deps: ReplayDeps, row: HeldRow, event: AnyEventEnvelope, attempt: number, error: unknown, log: Logger): Promise<boolean> {
  const stream = deps.deadLetters.topology.streamFor(event.type);
  const message = { subject: row.subject, seq: Number(row.stream_seq), data: encoder.encode(JSON.stringify(event.data)), headers: envelopeHeaders(event), info: { stream, deliveryCount: attempt } };
  return writeDeadLetter(deps.deadLetters, row.consumer, message, error, log, `${row.consumer}:replay:${event.id}:${new Date(row.created_at).getTime()}`);
}
