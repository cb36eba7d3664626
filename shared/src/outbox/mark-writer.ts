import type pg from 'pg';
import { markPublished } from './relay-queries.js';

interface Waiting {
  ids: string[];
  settle: { resolve: () => void; reject: (error: unknown) => void }[];
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
 */
export class MarkWriter {
  private waiting: Waiting | undefined;
  private writing = false;

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
      if (this.writing) return;
      this.writing = true;
      if (this.delayMs > 0) setTimeout(() => void this.write(), this.delayMs);
      else void this.write();
    });
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
