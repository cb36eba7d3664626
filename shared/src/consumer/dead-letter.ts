import type { JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Topology } from '../nats/topology.js';

export interface DeadLetterDeps {
  js: JetStreamClient;
  topology: Topology;
  service: string;
  clock: () => Date;
}

/** What a dead letter is copied from: a message in flight, or one the sweep rebuilt from a replay request. */
export interface DeadMessage {
  subject: string;
  seq: number;
  data: Uint8Array;
  headers?: MsgHdrs | undefined;
  info: { stream: string; deliveryCount: number };
}

/**
 * Copies the message to `dlq.<service>.<consumer>` with the error, the original subject,
 * headers and delivery count. Returns false when the copy could not be written: the caller
 * then naks, so a message is never dropped without a trace. `msgId` (JetStream's deduplication
 * key) is the consumer, stream and sequence of the message unless given.
 */
export async function writeDeadLetter(deps: DeadLetterDeps, durable: string, message: DeadMessage, error: unknown, log: Logger, msgId?: string): Promise<boolean> {
  const h = natsHeaders();
  for (const [key, values] of message.headers ?? []) {
    if (key.toLowerCase() !== 'nats-msg-id') for (const value of values) h.append(key, value);
  }
  const reason = error instanceof Error ? error.message : String(error);
  const details = isAppError(error) && error.details ? JSON.stringify(error.details) : '';
  h.set('Nats-Msg-Id', msgId ?? `${durable}:${message.info.stream}:${message.seq}`);
  h.set('dlq-error', oneLine(details ? `${reason}: ${details}` : reason));
  h.set('dlq-error-kind', isAppError(error) ? error.kind : 'unexpected');
  h.set('dlq-original-subject', message.subject);
  h.set('dlq-original-stream', message.info.stream);
  h.set('dlq-stream-seq', String(message.seq));
  h.set('dlq-delivery-count', String(message.info.deliveryCount));
  h.set('dlq-consumer', durable);
  h.set('dlq-service', deps.service);
  h.set('dlq-time', deps.clock().toISOString());
  try {
    await deps.js.publish(deps.topology.dlqSubject(deps.service, durable), message.data, { headers: h });
  } catch (publishError) {
    log.error({ err: publishError, cause: reason }, 'could not write dead letter; will retry');
    return false;
  }
  log.error({ err: error, subject: message.subject }, 'message dead-lettered');
  return true;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 2000);
}
