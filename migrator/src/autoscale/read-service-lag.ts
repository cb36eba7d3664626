import type { JetStreamManager } from '@nats-io/jetstream';
import type { ConsumerDeclaration, Topology } from '@order-platform/shared';
import { consumerRow, isNotFound } from '../stream-report.js';

export interface ConsumerLag {
  stream: string;
  durable: string;
  lag: number;
}

export interface ServiceLag {
  /** the sum over the worker's durable consumers of num_pending + num_ack_pending */
  total: number;
  consumers: ConsumerLag[];
}

/**
 * The lag of a worker: every durable consumer it reads through shares the same replicas, so
 * their lags add up. Throws when NATS does not answer, or a consumer is missing.
 */
export async function readServiceLag(jsm: JetStreamManager, topology: Topology, consumers: ConsumerDeclaration[]): Promise<ServiceLag> {
  const lags: ConsumerLag[] = [];
  for (const consumer of consumers) {
    const stream = topology.streamFor(consumer.event);
    try {
      const { lag } = consumerRow(await jsm.consumers.info(stream, consumer.durable));
      lags.push({ stream, durable: consumer.durable, lag });
    } catch (error) {
      if (isNotFound(error)) throw new Error(`consumer ${consumer.durable} not found on stream ${stream}: has the migrator run?`);
      throw error;
    }
  }
  return { total: lags.reduce((sum, c) => sum + c.lag, 0), consumers: lags };
}
