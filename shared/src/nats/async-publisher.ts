import { createInbox, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { connectionInboxPrefix } from './connection.js';

export interface PubAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

const decoder = new TextDecoder();

interface Pending {
  resolve: (ack: PubAck) => void;
  reject: (error: Error) => void;
  deadline: number;
}

/**
 * JetStream publishing with many messages in flight on one reply wildcard, the way the Go
 * client's PublishAsync works. `js.publish` in nats.js makes a request per message (own
 * timer and inbox bookkeeping) and tops out around a quarter of this rate on a small machine;
 * see `make bench-relay`, which measures both.
 */
export class AsyncPublisher {
  private readonly prefix: string;
  private readonly pending = new Map<string, Pending>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 5000,
  ) {
    // under the connection's inbox prefix: the only replies a NATS user may subscribe to
    this.prefix = createInbox(connectionInboxPrefix(nc));
    this.subscription = nc.subscribe(`${this.prefix}.*`, { callback: (_error, msg) => this.settle(msg.subject, msg.headers, msg.data) });
    this.sweeper = setInterval(() => this.expire(), Math.max(50, Math.min(1000, timeoutMs / 4)));
    this.sweeper.unref();
  }

  publish(subject: string, data: Uint8Array, headers: MsgHdrs): Promise<PubAck> {
    const token = (this.next++).toString(36);
    return new Promise<PubAck>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}.${token}`, headers });
      } catch (error) {
        this.pending.delete(token);
        reject(error as Error);
      }
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    for (const [token, p] of this.pending) {
      this.pending.delete(token);
      p.reject(new Error('publisher closed'));
    }
  }

  private settle(subject: string, headers: MsgHdrs | undefined, data: Uint8Array): void {
    const token = subject.slice(this.prefix.length + 1);
    const p = this.pending.get(token);
    if (!p) return; // already timed out
    this.pending.delete(token);
    if (headers?.hasError) {
      // 503: no stream listens on the subject
      p.reject(new Error(`publish failed: ${headers.code} ${headers.description || 'no responders'}`));
      return;
    }
    try {
      const reply = JSON.parse(decoder.decode(data)) as Partial<PubAck> & { error?: { code: number; description: string } };
      if (reply.error) p.reject(new Error(`publish rejected: ${reply.error.code} ${reply.error.description}`));
      else p.resolve({ stream: reply.stream ?? '', seq: reply.seq ?? 0, duplicate: reply.duplicate === true });
    } catch (error) {
      p.reject(error as Error);
    }
  }

  private expire(): void {
    const now = Date.now();
    for (const [token, p] of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(token);
      p.reject(new Error(`no PubAck within ${this.timeoutMs} ms`));
    }
  }
}
