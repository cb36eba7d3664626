import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

export interface StoredMessage {
  seq: number;
  subject: string;
  headers: Record<string, string>;
  data: unknown;
}

/** Every message currently in a stream (optionally of one subject), read by sequence. For tests and tools. */
export async function readStream(nc: NatsConnection, stream: string, subject?: string): Promise<StoredMessage[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const out: StoredMessage[] = [];
  if (info.state.messages === 0) return out;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const message = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!message || (subject && message.subject !== subject)) continue;
    const headers: Record<string, string> = {};
    for (const [key, values] of message.header ?? []) headers[key] = values.join(',');
    let data: unknown = message.string();
    try {
      data = message.json();
    } catch {
      // not JSON: keep the text
    }
    out.push({ seq, subject: message.subject, headers, data });
  }
  return out;
}
