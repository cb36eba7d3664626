import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { MarkWriter, TakenMarks } from './mark-writer.js';
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
 * A wake-up that finds the relay idle (no batch waiting for PubAcks; marks may still be on
 * their way, see MarkWriter's delay) selects at once: a lone commit goes out without a sleep in
 * its way, and the commits behind it collect while it is out. One that comes while batches are
 * still out gathers for `gatherMs` first, so the rest of a burst of commits goes out in the same
 * batch. Published rows are pruned between rounds when no batch is publishing.
 *
 * Rows committed by a writer of the relay's own process (a worker's consumer batches) need no
 * select: the writer hands them over once committed (`handOff`), and they go out at once as a
 * batch of their own, left out of the selects like any other until marked.
 */
export class PublishLoop {
  private readonly unmarked = new Set<Batch>();
  private readonly publishing = new Set<Batch>();
  /** the seqs of every unmarked batch's rows, selected or handed off */
  private readonly inFlight = new Set<number>();
  private failed = false;
  private running = false;

  constructor(private readonly deps: PublishLoopDeps) {}

  async run(): Promise<void> {
    const { client, signal, halted, batchSize, pipelineDepth, pollIntervalMs, gatherMs, pruneIntervalMs } = this.deps;
    let nextPrune = Date.now() + pruneIntervalMs;
    this.running = true;
    try {
      while (!halted()) {
        while (this.publishing.size >= pipelineDepth) await Promise.race([...this.publishing].map((b) => b.published));
        if (this.failed) {
          await this.backOff();
          continue;
        }
        signal.clear();
        const selected = await selectUnpublished(client, batchSize, this.excludedSeqs());
        await this.deps.backlog.observe({ rows: selected.length, oldestAge: oldestAge(selected) }, this.publishing);
        // rows handed off while the select was on its way are out already
        const rows = selected.filter((row) => !this.inFlight.has(Number(row.seq)));
        if (rows.length > 0) this.start(rows);
        if (selected.length === batchSize) continue;
        if (this.publishing.size === 0 && Date.now() >= nextPrune) {
          await this.deps.prune();
          nextPrune = Date.now() + pruneIntervalMs;
        }
        const woken = await signal.wait(pollIntervalMs);
        if (woken && gatherMs > 0 && this.publishing.size > 0 && !halted()) await sleep(gatherMs);
      }
    } finally {
      this.running = false;
      await Promise.all([...this.unmarked].map((b) => b.done));
    }
  }

  /** The marks waiting for their delay, for a transaction of this process about to commit (`MarkWriter.take`). */
  takeMarks(): TakenMarks | undefined {
    return this.deps.marks.take();
  }

  /** Whether rows handed off now would be taken: the loop runs and is not backing off after a failure. */
  get accepting(): boolean {
    return this.running && !this.failed && !this.deps.halted();
  }

  /**
   * Publishes rows a writer of this process has just committed, as a batch of their own, at
   * once: no NOTIFY woke the loop for them and no select reads them (outbox.ts,
   * `RelayHandOff`). Rows a select has taken already are left to it. Refused rows (the loop has
   * stopped or is backing off) are the next select's, as every unmarked row is.
   */
  handOff(rows: OutboxRow[]): void {
    if (!this.accepting) {
      this.deps.signal.wake();
      return;
    }
    const fresh = rows.filter((row) => !this.inFlight.has(row.seq));
    if (fresh.length > 0) this.start(fresh);
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
          for (const row of rows) this.inFlight.delete(Number(row.seq));
          if (this.failed) this.deps.signal.wake();
        }),
    };
    this.publishing.add(batch);
    this.unmarked.add(batch);
    for (const row of rows) this.inFlight.add(Number(row.seq));
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
