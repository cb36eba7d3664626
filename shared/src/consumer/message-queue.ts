import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';

/**
 * Turns a pull subscription into batches: `take` waits for the first message, then gathers
 * what has already arrived (the messages of one pull come in one burst, each a microtask apart)
 * up to `max`, without waiting for a full batch. A flush wait above 0 lets a batch fill for up
 * to that long instead (a linger): it is taken as soon as it is full, so a consumer with a
 * backlog never sleeps on it; 0 costs an idle message nothing.
 *
 * The pump stops reading while `limit` messages are queued or being handled, so the client's
 * pull window, not this queue, bounds what a replica holds.
 */
export class MessageQueue {
  private readonly queue: JsMsg[] = [];
  private waiter: (() => void) | undefined;
  /** set while `take` lingers: called when the queue holds a full batch */
  private filled: { max: number; resolve: () => void } | undefined;
  private room: (() => void) | undefined;
  private holding = 0;
  private ended = false;
  private closed = false;
  readonly pumped: Promise<void>;

  constructor(
    messages: ConsumerMessages,
    private readonly limit: number,
    private readonly flushWaitMs: number,
  ) {
    this.pumped = this.pump(messages);
  }

  /** The next batch, oldest first; undefined once the subscription has ended and nothing is queued. */
  async take(max: number): Promise<JsMsg[] | undefined> {
    while (this.queue.length === 0) {
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    if (this.queue.length < max) await (this.flushWaitMs > 0 ? this.linger(max) : nextTurn());
    const batch = this.queue.splice(0, max);
    this.holding += batch.length;
    return batch;
  }

  /** A batch taken is settled (acked, nak'ed or terminated): its room goes back to the pump. */
  settled(count: number): void {
    this.holding -= count;
    this.wakeRoom();
  }

  /** Stops holding the pump back, so a stopped subscription's iterator can end. */
  close(): void {
    this.closed = true;
    this.filled?.resolve();
    this.wakeRoom();
  }

  /** What was queued but not taken: handed back to the stream by the caller at shutdown. */
  drain(): JsMsg[] {
    return this.queue.splice(0);
  }

  /** Until the queue holds `max` messages, the subscription ends, or the flush wait is over. */
  private async linger(max: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.flushWaitMs);
      this.filled = { max, resolve };
    });
    clearTimeout(timer);
    this.filled = undefined;
  }

  private async pump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const message of messages) {
        this.queue.push(message);
        this.waiter?.();
        this.waiter = undefined;
        if (this.filled && this.queue.length >= this.filled.max) this.filled.resolve();
        while (!this.closed && this.queue.length + this.holding >= this.limit) await new Promise<void>((resolve) => (this.room = resolve));
      }
    } finally {
      this.ended = true;
      this.filled?.resolve();
      this.waiter?.();
      this.waiter = undefined;
    }
  }

  private wakeRoom(): void {
    this.room?.();
    this.room = undefined;
  }
}

/** After the microtasks already queued: the rest of a burst that has arrived. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
