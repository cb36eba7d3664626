import { jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { ConsumerDeclaration, Topology } from '../nats/topology.js';

export interface ConsumerLagOptions {
  nc: NatsConnection;
  topology: Topology;
  consumers: ConsumerDeclaration[];
  registry?: Registry | undefined;
  log: Logger;
  intervalMs?: number;
}

/**
 * Reads each durable consumer's state from JetStream every `intervalMs` and exports it:
 * `consumer_lag` = num_pending + num_ack_pending (what the autoscaler and KEDA's
 * nats-jetstream scaler act on), and the three numbers it is made of. The server holds one
 * state per durable, so every replica of a worker reports the same figures: aggregate with
 * `max by (consumer)`, never `sum`.
 */
export class ConsumerLagMonitor {
  private readonly gauges;
  private timer: NodeJS.Timeout | undefined;
  private jsm: JetStreamManager | undefined;
  private round: Promise<void> | undefined;
  private failing = false;

  constructor(private readonly options: ConsumerLagOptions) {
    this.gauges = lagGauges(options.registry);
  }

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
  }

  private tick(): void {
    this.round ??= this.measure().finally(() => (this.round = undefined));
  }

  /** One reading of every consumer; a consumer that cannot be read keeps its last figures. */
  async measure(): Promise<void> {
    const { topology, consumers, log } = this.options;
    try {
      this.jsm ??= await jetstreamManager(this.options.nc);
      for (const consumer of consumers) {
        const stream = topology.streamFor(consumer.event);
        const state = consumerState(await this.jsm.consumers.info(stream, consumer.durable));
        const labels = { consumer: consumer.durable, stream };
        this.gauges.lag.set(labels, state.pending + state.ackPending);
        this.gauges.pending.set(labels, state.pending);
        this.gauges.ackPending.set(labels, state.ackPending);
        this.gauges.redelivered.set(labels, state.redelivered);
      }
      if (this.failing) log.info('consumer lag readable again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) log.warn({ err: error }, 'cannot read consumer lag from JetStream; keeping the last figures');
      this.failing = true;
    }
  }
}

/** What an operator reads of one durable consumer: `make streams`, `GET /admin/consumers`. */
export interface ConsumerState {
  stream: string;
  durable: string;
  filterSubject: string;
  /** messages in the stream the consumer has not been given yet */
  pending: number;
  /** delivered, not acknowledged yet */
  ackPending: number;
  /** delivered more than once and not acknowledged yet */
  redelivered: number;
  /** pull requests waiting for messages: roughly, idle workers */
  waiting: number;
  /** when the consumer was last given a message; null before the first */
  lastDelivered: string | null;
}

export function consumerState(info: ConsumerInfo): ConsumerState {
  // typed as nanos, but the server sends an RFC 3339 time, and none before the first delivery
  const last = info.delivered.last_active as unknown as string | number | undefined;
  return {
    stream: info.stream_name,
    durable: info.name,
    filterSubject: info.config.filter_subject ?? info.config.filter_subjects?.join(',') ?? '',
    pending: info.num_pending,
    ackPending: info.num_ack_pending,
    redelivered: info.num_redelivered,
    waiting: info.num_waiting,
    lastDelivered: last ? new Date(typeof last === 'number' ? last / 1e6 : last).toISOString() : null,
  };
}

/** The state of each of `consumers` now, in their order, read through `nc` (the service's own user may read its own consumers). */
export async function readConsumerStates(nc: NatsConnection, topology: Topology, consumers: ConsumerDeclaration[]): Promise<ConsumerState[]> {
  const jsm = await jetstreamManager(nc);
  return Promise.all(consumers.map(async (consumer) => consumerState(await jsm.consumers.info(topology.streamFor(consumer.event), consumer.durable))));
}

function lagGauges(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  const labelNames = ['consumer', 'stream'] as const;
  return {
    lag: new Gauge({ name: 'consumer_lag', help: 'messages not yet acknowledged by a durable consumer: num_pending + num_ack_pending', labelNames, registers }),
    pending: new Gauge({ name: 'consumer_num_pending', help: 'messages in the stream not yet delivered to the consumer', labelNames, registers }),
    ackPending: new Gauge({ name: 'consumer_num_ack_pending', help: 'messages delivered and awaiting acknowledgement', labelNames, registers }),
    redelivered: new Gauge({ name: 'consumer_num_redelivered', help: 'messages delivered more than once and not yet acknowledged', labelNames, registers }),
  };
}
