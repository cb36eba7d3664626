import type pg from 'pg';
import type { RawConnection } from '../db/statements.js';
import { markPublished, markPublishedOn } from './relay-queries.js';

interface Waiting {
  ids: string[];
  settle: { resolve: () => void; reject: (error: unknown) => void }[];
}

/**
 * Marks a writer of the relay's process took from the `MarkWriter` to send with its own COMMIT
 * (a consumer batch: `Outbox.takeMarks`). Exactly one of `committed` and `released` is called.
 */
export interface TakenMarks {
  /** sends the update on the taker's connection, in its transaction */
  sendOn(connection: RawConnection): Promise<void>;
  /** the taker's transaction committed, the update with it */
  committed(): void;
  /** it did not: the writer marks them itself, at once */
  released(): void;
}

/**
 * Marks published rows on a connection of its own, so the relay's next select never waits
 * behind a mark. A mark waits `delayMs` first, and marks asked for meanwhile, or while one is
 * running, go out together as one update: one statement and one commit for the batches of
 * several rounds, written after the burst that published them instead of in its way. The
 * promise of each resolves once its rows' update has committed: until then the relay leaves
 * those rows out of its selects, so a row is not published again while its mark is still on
 * the way. (A crash before the mark publishes them again: JetStream drops the repeat by its
 * Nats-Msg-Id, and consumers are idempotent.)
 *
 * A transaction of the relay's process that commits during the delay anyway (a consumer batch)
 * takes the waiting marks (`take`) and sends their update with its COMMIT: under load the marks
 * cost no transaction and no round trip of their own, and the delay only says how long they
 * wait for such a ride before they go alone.
 */
export class MarkWriter {
  private waiting: Waiting | undefined;
  /** a mark is being written */
  private writing = false;
  /** the delay before the next write is running */
  private delay: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: pg.Client,
    private readonly delayMs = 0,
  ) {}

  mark(ids: string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting ??= { ids: [], settle: [] };
      for (const id of ids) this.waiting.ids.push(id);
      this.waiting.settle.push({ resolve, reject });
      if (this.writing || this.delay) return;
      if (this.delayMs > 0) this.delay = setTimeout(() => this.writeNow(), this.delayMs);
      else this.writeNow();
    });
  }

  /**
   * Takes the marks waiting (for their delay, or behind a mark being written) for a transaction
   * that is about to commit; undefined when none wait. A mark being written is not taken.
   */
  take(): TakenMarks | undefined {
    const taken = this.waiting;
    if (!taken) return undefined;
    this.waiting = undefined;
    let settled = false;
    const settle = (how: () => void) => {
      if (settled) return;
      settled = true;
      how();
    };
    return {
      sendOn: (connection) => markPublishedOn(connection, taken.ids),
      committed: () => settle(() => taken.settle.forEach((s) => s.resolve())),
      released: () => settle(() => this.requeue(taken)),
    };
  }

  /** Marks a taker did not commit: written now, with whatever else waits (they have waited already). */
  private requeue(taken: Waiting): void {
    this.waiting ??= { ids: [], settle: [] };
    this.waiting.ids.push(...taken.ids);
    this.waiting.settle.push(...taken.settle);
    // a write on its way takes them when it is done; a delay still running is cut short
    if (!this.writing) this.writeNow();
  }

  private writeNow(): void {
    clearTimeout(this.delay);
    this.delay = undefined;
    this.writing = true;
    void this.write();
  }

  private async write(): Promise<void> {
    while (this.waiting) {
      const { ids, settle } = this.waiting;
      this.waiting = undefined;
      try {
        await markPublished(this.client, ids);
        for (const s of settle) s.resolve();
      } catch (error) {
        for (const s of settle) s.reject(error);
      }
    }
    this.writing = false;
  }
}
