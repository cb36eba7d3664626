import { jetstreamManager } from '@nats-io/jetstream';
import { envelopeFor } from '../consumer/receive.js';
import { listDeadLetters, type ReplayOutcome } from '../dead-letters.js';
import { EXHAUSTED_TABLE, REPLAY_CHANNEL } from '../db/exhausted-table.js';
import type { AdminDeps } from './admin-queries.js';

/**
 * Replays dead letters of this service through its own worker, never by publishing: each one
 * (the sequences given, or all of them) becomes a replay request in the service's database, and
 * the worker's sweep runs it through its consumer's handler (consumer/held-replay.ts). A service
 * may publish only its own domain's events, and a dead letter is mostly another domain's event,
 * so this works under the NATS users the migrator generates; `make dlq-replay` (migrator) still
 * republishes. A sequence that is not a dead letter of this service, or cannot be replayed, is
 * reported in `failed` and the others still go.
 */
export async function replayThroughWorker(deps: AdminDeps, which: { seqs: number[] } | { all: true }): Promise<ReplayOutcome> {
  const own = new Set((await listDeadLetters(deps.nc, deps.topology, { service: deps.service })).map((d) => d.seq));
  const seqs = 'all' in which ? [...own] : [...new Set(which.seqs)];
  const outcome: ReplayOutcome = { replayed: [], failed: [] };
  for (const seq of seqs) {
    if (!own.has(seq)) {
      outcome.failed.push({ seq, error: `no dead letter ${seq} of ${deps.service}` });
      continue;
    }
    try {
      await requestReplay(deps, seq);
      outcome.replayed.push(seq);
    } catch (error) {
      outcome.failed.push({ seq, error: (error as Error).message });
    }
  }
  // announced, the worker whose relay is active runs them at once; unannounced (the database
  // gone since), they wait for a worker's poll (REPLAY_POLL_INTERVAL_MS): written, they are replayed either way
  if (outcome.replayed.length > 0) await deps.db.raw('select pg_notify(?, ?)', [REPLAY_CHANNEL, '']).catch(() => undefined);
  return outcome;
}

/**
 * Reads the dead letter, rebuilds the envelope exactly as its consumer is given it (a letter its
 * consumer would refuse again is not replayable), writes the replay request, then deletes the
 * dead letter. The request is keyed by consumer and event: replaying a second dead letter of the
 * same event while the first waits adds nothing.
 */
async function requestReplay(deps: AdminDeps, seq: number): Promise<void> {
  const jsm = await jetstreamManager(deps.nc);
  const stream = deps.topology.stream('DLQ');
  const message = await jsm.streams.getMessage(stream, { seq });
  if (!message) throw new Error(`no dead letter ${seq} in ${stream}`);
  const header = (name: string) => message.header?.get(name) ?? '';
  const consumer = deps.consumers.find((c) => c.durable === header('dlq-consumer'));
  if (!consumer || message.subject !== deps.topology.dlqSubject(deps.service, consumer.durable)) {
    throw new Error(`dead letter ${seq} is not of a consumer of ${deps.service}`);
  }
  let event;
  try {
    event = envelopeFor(consumer.event, { headers: message.header, data: message.data });
  } catch (error) {
    throw new Error(`not replayable, its consumer would refuse it again: ${(error as Error).message}`);
  }
  await deps.db(EXHAUSTED_TABLE)
    .insert({
      kind: 'handler',
      consumer: consumer.durable,
      event_id: event.id,
      event: JSON.stringify(event),
      subject: header('dlq-original-subject') || deps.topology.subject(consumer.event),
      stream_seq: Number(header('dlq-stream-seq')) || 0,
      deliveries: Number(header('dlq-delivery-count')) || 0,
      error: header('dlq-error').slice(0, 2000),
    })
    .onConflict(['consumer', 'event_id', 'kind'])
    .ignore();
  await jsm.streams.deleteMessage(stream, seq);
}
