import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type RelayMetrics = ReturnType<typeof relayMetrics>;

export function relayMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    published: new Counter({ name: 'outbox_published_total', help: 'outbox rows published and acknowledged by JetStream', registers }),
    failures: new Counter({ name: 'outbox_publish_failures_total', help: 'outbox rows whose publish failed (retried)', registers }),
    batchSize: new Histogram({ name: 'outbox_batch_size', help: 'rows per relay round', buckets: [1, 10, 50, 100, 250, 500, 1000, 2000], registers }),
    batchSeconds: new Histogram({ name: 'outbox_batch_publish_seconds', help: 'time from first publish to last PubAck of a round', registers }),
    backlog: new Gauge({ name: 'outbox_backlog', help: 'unpublished outbox rows (0 on a standby relay)', registers }),
    oldestAge: new Gauge({ name: 'outbox_oldest_unpublished_age_seconds', help: 'age of the oldest unpublished outbox row (0 on a standby relay)', registers }),
    active: new Gauge({ name: 'outbox_relay_active', help: '1 while this process is the active relay of its service', registers }),
  };
}

/** What the backlog gauges need to know of a batch not yet marked. */
export interface UnmarkedRows {
  rows: number;
  /** of its oldest row, when selected */
  oldestAge: number;
  selectedAt: number;
}

/**
 * The backlog (unpublished rows, those of batches still waiting for their PubAcks included;
 * rows JetStream has acknowledged are published, whether or not their mark has been written)
 * and the age of the oldest, every round. While the backlog fits in one batch the round's own select tells both; a full
 * batch means there may be more, and those are counted, at most once a second.
 */
export class BacklogGauges {
  private nextCount = 0;

  constructor(
    private readonly metrics: RelayMetrics,
    private readonly batchSize: number,
    private readonly countUnpublished: () => Promise<number>,
  ) {}

  async observe(selected: { rows: number; oldestAge: number }, unmarked: Iterable<UnmarkedRows>): Promise<void> {
    const now = performance.now();
    let pending = selected.rows;
    let oldest = selected.oldestAge;
    for (const batch of unmarked) {
      pending += batch.rows;
      oldest = Math.max(oldest, batch.oldestAge + (now - batch.selectedAt) / 1000);
    }
    this.metrics.oldestAge.set(oldest);
    if (selected.rows < this.batchSize) {
      this.metrics.backlog.set(pending);
      return;
    }
    if (now < this.nextCount) return;
    this.nextCount = now + 1000;
    this.metrics.backlog.set(await this.countUnpublished());
  }
}
