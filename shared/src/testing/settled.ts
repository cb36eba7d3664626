import { jetstreamManager, type ConsumerInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Knex } from 'knex';
import { domainStreams } from '../nats/streams.js';
import type { Topology } from '../nats/topology.js';
import { eventually } from './eventually.js';

/**
 * Waits for a positive sign that processing has passed everything published so far, for a test
 * that asserts a duplicate or late event changed nothing (instead of sleeping a while): every
 * durable consumer of the namespace has acknowledged every message of its stream (a batch's
 * transaction commits before its acks), and, given the service's `db`, its relay has published
 * every outbox row, so an event the duplicate wrongly caused would be in the stream by now.
 * Nak'ed messages count as unacknowledged until they are handled or dead-lettered.
 */
export async function settled(nc: NatsConnection, topology: Topology, options: { db?: Knex; timeoutMs?: number } = {}): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await eventually(
    async () => {
      for (const name of Object.values(domainStreams)) {
        for (const consumer of await consumersOf(jsm, topology.stream(name))) {
          if (consumer.num_pending > 0 || consumer.num_ack_pending > 0) {
            throw new Error(`${consumer.stream_name} ${consumer.name}: ${consumer.num_pending} pending, ${consumer.num_ack_pending} unacknowledged`);
          }
        }
      }
      if (options.db) {
        const [row] = await options.db('outbox').whereNull('published_at').count({ count: '*' });
        if (Number(row?.['count']) > 0) throw new Error(`${String(row?.['count'])} outbox rows not yet published`);
      }
    },
    { timeoutMs: options.timeoutMs ?? 15_000, intervalMs: 25 },
  );
}

async function consumersOf(jsm: Awaited<ReturnType<typeof jetstreamManager>>, stream: string): Promise<ConsumerInfo[]> {
  const found: ConsumerInfo[] = [];
  try {
    for await (const consumer of jsm.consumers.list(stream)) found.push(consumer);
  } catch (error) {
    if (/stream not found/i.test((error as Error).message)) return [];
    throw error;
  }
  return found;
}
