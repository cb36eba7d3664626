import type pg from 'pg';
import { markPublished } from './relay-queries.js';

interface Waiting {
  ids: string[];
  settle: { resolve: () => void; reject: (error: unknown) => void }[];
}

/**
 * Marks published rows on a connection of its own, so the relay's next select never waits
 * behind a mark. Marks asked for while one is running go out together as the next update.
 * The promise of each resolves once its rows' update has committed: until then the relay
 * leaves those rows out of its selects, so a row is not published again while its mark is
 * still on the way.
 */
export class MarkWriter {
  private waiting: Waiting | undefined;
  private writing = false;

  constructor(private readonly client: pg.Client) {}

  mark(ids: string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting ??= { ids: [], settle: [] };
      for (const id of ids) this.waiting.ids.push(id);
      this.waiting.settle.push({ resolve, reject });
      if (!this.writing) void this.write();
    });
  }

  private async write(): Promise<void> {
    this.writing = true;
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
