import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { MarkWriter } from './mark-writer.js';
import type { BacklogGauges, UnmarkedRows } from './relay-metrics.js';
import { selectUnpublished, seqRanges, type OutboxRow } from './relay-queries.js';
import type { RowPublisher } from './row-publisher.js';
import type { WakeSignal } from './wake-signal.js';

export interface PublishLoopDeps {
  /** the relay's connection: it holds the leader lock and LISTENs */
  client: pg.Client;
  publisher: RowPublisher;
  marks: MarkWriter;
  backlog: BacklogGauges;
  signal: WakeSignal;
  log: Logger;
  /** true once the relay stops or loses its connection */
  halted: () => boolean;
  /** deletes published rows past retention */
  prune: () => Promise<void>;
  batchSize: number;
  pipelineDepth: number;
  pollIntervalMs: number;
  gatherMs: number;
  pruneIntervalMs: number;
}

interface Batch extends UnmarkedRows {
  /** its rows' seqs, `[a,b],[c,c]`: left out of every select until its mark commits */
  seqs: string;
  /** every PubAck (or failure) is in */
  published: Promise<void>;
  /** and the acknowledged rows are marked (or the mark failed) */
  done: Promise<void>;
}

/**
 * The active relay's rounds: select the next batch, publish it (every message in flight at
 * once), mark it on the mark writer's connection. Nothing waits for a mark: up to
 * `pipelineDepth` batches publish at once, and a batch that has all its PubAcks is marked in the
 * background while the next selects run; the rows of every batch not yet marked are left out
 * of them, so no row goes out twice in the normal path.
 *
 * A select that returns a short batch has taken every visible row, so the loop then waits
 * for a NOTIFY (kept if it came while busy), the poll interval, or a failed batch to retry.
 * A wake-up that finds the relay idle (every batch marked) selects at once: a lone commit goes
 * out without a sleep in its way, and the commits behind it collect while it is out. One that
 * comes while batches are still out gathers for `gatherMs` first, so the rest of a burst of
 * commits goes out in the same batch.
 */
export class PublishLoop {
  private readonly unmarked = new Set<Batch>();
  private readonly publishing = new Set<Batch>();
  private failed = false;

  constructor(private readonly deps: PublishLoopDeps) {}

  async run(): Promise<void> {
    const { client, signal, halted, batchSize, pipelineDepth, pollIntervalMs, gatherMs, pruneIntervalMs } = this.deps;
    let nextPrune = Date.now() + pruneIntervalMs;
    try {
      while (!halted()) {
        while (this.publishing.size >= pipelineDepth) await Promise.race([...this.publishing].map((b) => b.published));
        if (this.failed) {
          await this.backOff();
          continue;
        }
        signal.clear();
        const rows = await selectUnpublished(client, batchSize, this.excludedSeqs());
        await this.deps.backlog.observe({ rows: rows.length, oldestAge: oldestAge(rows) }, this.unmarked);
        if (rows.length > 0) this.start(rows);
        if (rows.length === batchSize) continue;
        if (this.unmarked.size === 0 && Date.now() >= nextPrune) {
          await this.deps.prune();
          nextPrune = Date.now() + pruneIntervalMs;
        }
        const woken = await signal.wait(pollIntervalMs);
        if (woken && gatherMs > 0 && this.unmarked.size > 0 && !halted()) await sleep(gatherMs);
      }
    } finally {
      await Promise.all([...this.unmarked].map((b) => b.done));
    }
  }

  private start(rows: OutboxRow[]): void {
    const publishing = this.deps.publisher.publish(rows);
    const batch: Batch = {
      seqs: seqRanges(rows),
      rows: rows.length,
      oldestAge: oldestAge(rows),
      selectedAt: performance.now(),
      published: publishing.then(() => {
        this.publishing.delete(batch);
      }),
      done: publishing
        .then(({ acknowledged, failures }) => {
          if (failures > 0) this.failed = true;
          return this.deps.marks.mark(acknowledged);
        })
        .catch((error: unknown) => {
          this.failed = true;
          this.deps.log.warn({ err: error }, 'could not mark published rows; they will be republished and deduplicated');
        })
        .finally(() => {
          this.unmarked.delete(batch);
          if (this.failed) this.deps.signal.wake();
        }),
    };
    this.publishing.add(batch);
    this.unmarked.add(batch);
  }

  /** After a failure, every batch finishes, then the loop pauses before it takes the rows again. */
  private async backOff(): Promise<void> {
    await Promise.all([...this.unmarked].map((b) => b.done));
    this.failed = false;
    const until = Date.now() + Math.min(this.deps.pollIntervalMs, 1000);
    while (!this.deps.halted() && Date.now() < until) await this.deps.signal.wait(until - Date.now());
  }

  private excludedSeqs(): string {
    let ranges = '';
    for (const batch of this.unmarked) ranges += ranges ? `,${batch.seqs}` : batch.seqs;
    return `{${ranges}}`;
  }
}

function oldestAge(rows: OutboxRow[]): number {
  let oldest = 0;
  for (const row of rows) oldest = Math.max(oldest, row.age);
  return oldest;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
