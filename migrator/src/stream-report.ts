import { jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { consumerState, domainStreams, type NatsConnection, type StreamName, type Topology } from '@order-platform/shared';
import { alignedTable } from './aligned-table.js';

/** This system's streams, in the order the report shows them. */
export const systemStreams: StreamName[] = [...Object.values(domainStreams), 'DLQ'];

export interface StreamRow {
  stream: string;
  /** false when the stream has not been declared (the migrator has not run in this namespace) */
  found: boolean;
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  consumerCount: number;
}

export interface ConsumerRow {
  stream: string;
  durable: string;
  /** messages in the stream the consumer has not been given yet */
  pending: number;
  /** delivered, not acknowledged yet */
  ackPending: number;
  redelivered: number;
  /** pull requests waiting for messages: roughly, idle workers */
  waiting: number;
  /** pending + ackPending: the work not done yet */
  lag: number;
}

export interface StreamReport {
  streams: StreamRow[];
  consumers: ConsumerRow[];
}

export function consumerRow(info: ConsumerInfo): ConsumerRow {
  const { stream, durable, pending, ackPending, redelivered, waiting } = consumerState(info);
  return { stream, durable, pending, ackPending, redelivered, waiting, lag: pending + ackPending };
}

export function isNotFound(error: unknown): boolean {
  const e = error as { api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || e?.api_error?.err_code === 10014 || /not found/i.test(e?.message ?? '');
}

/** The state of every stream of the system in a namespace, and of every consumer on them. */
export async function buildStreamReport(nc: NatsConnection, topology: Topology, jsm?: JetStreamManager): Promise<StreamReport> {
  const manager = jsm ?? (await jetstreamManager(nc));
  const report: StreamReport = { streams: [], consumers: [] };
  for (const name of systemStreams) {
    const stream = topology.stream(name);
    try {
      const { state } = await manager.streams.info(stream);
      report.streams.push({ stream, found: true, messages: state.messages, bytes: state.bytes, firstSeq: state.first_seq, lastSeq: state.last_seq, consumerCount: state.consumer_count });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      report.streams.push({ stream, found: false, messages: 0, bytes: 0, firstSeq: 0, lastSeq: 0, consumerCount: 0 });
      continue;
    }
    const consumers: ConsumerRow[] = [];
    for await (const info of manager.consumers.list(stream)) consumers.push(consumerRow(info));
    report.consumers.push(...consumers.sort((a, b) => a.durable.localeCompare(b.durable)));
  }
  return report;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The report as two aligned tables (streams, then consumers) and a note on missing streams. */
export function formatStreamReport(report: StreamReport): string[] {
  const found = report.streams.filter((s) => s.found);
  const missing = report.streams.filter((s) => !s.found).map((s) => s.stream);
  const lines =
    found.length === 0
      ? []
      : alignedTable(
          ['stream', 'messages', 'bytes', 'first seq', 'last seq', 'consumers'],
          found.map((s) => [s.stream, String(s.messages), formatBytes(s.bytes), String(s.firstSeq), String(s.lastSeq), String(s.consumerCount)]),
        );
  if (missing.length > 0) lines.push(`not found: ${missing.join(', ')} (has the migrator run for this namespace?)`);
  lines.push('');
  if (report.consumers.length === 0) {
    lines.push('no consumers');
    return lines;
  }
  lines.push(
    ...alignedTable(
      ['stream', 'consumer', 'pending', 'ack pending', 'redelivered', 'waiting', 'lag'],
      report.consumers.map((c) => [c.stream, c.durable, String(c.pending), String(c.ackPending), String(c.redelivered), String(c.waiting), String(c.lag)]),
    ),
  );
  return lines;
}
