import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Outbox, type Knex } from '../../src/index.js';

const outbox = new Outbox('/test');

/** Commits `count` orders.created events in transactions of `perTransaction` rows; returns their ids. */
export async function addOrderEvents(db: Knex, count: number, perTransaction = 500): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < count; done += perTransaction) {
    await db.transaction(async (trx) => {
      for (let i = done; i < Math.min(count, done + perTransaction); i++) {
        const event = await outbox.add(trx, 'orders.created', { subject: `order-${i}`, data: orderCreated(`order-${i}`), time: new Date() });
        ids.push(event.id);
      }
    });
  }
  return ids;
}

export function orderCreated(orderId: string) {
  return {
    orderId,
    customerId: 'customer-1',
    items: [{ sku: 'SKU-1', quantity: 1, unitPrice: { amount: 1299, currency: 'EUR' } }],
    total: { amount: 1299, currency: 'EUR' },
    payment: { method: 'card' as const, paymentMethodId: 'pm_0d6f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5' },
    createdAt: new Date().toISOString(),
  };
}

export async function streamCount(nc: NatsConnection, stream: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(stream)).state.messages;
}

export async function publishedCount(db: Knex): Promise<number> {
  const [row] = await db('outbox').whereNotNull('published_at').count<{ count: number }[]>('* as count');
  return Number(row!.count);
}
