import type { Knex } from 'knex';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import { ConsumerLagMonitor } from './consumer/lag.js';
import { ConsumerRunner } from './consumer/runner.js';
import type { RetryPolicy } from './consumer/retry.js';
import type { Subscription } from './consumer/subscription.js';
import type { Logger } from './logger.js';
import type { Topology } from './nats/topology.js';
import type { Outbox } from './outbox/outbox.js';
import { OutboxRelay } from './outbox/relay.js';

export interface WorkerDeps {
  service: string;
  db: Knex;
  databaseUrl: string;
  nc: NatsConnection;
  topology: Topology;
  outbox: Outbox;
  log: Logger;
  registry?: Registry;
  clock?: () => Date;
}

export interface WorkerSettings {
  subscriptions: Subscription[];
  relay?: { batchSize?: number; pollIntervalMs?: number; gatherMs?: number; leaderRetryMs?: number; retentionMs?: number };
  consumers?: { batchSize?: number; flushWaitMs?: number; concurrency?: number; retry?: RetryPolicy };
  /** how often consumer lag is read from JetStream */
  lagIntervalMs?: number;
}

export interface RunningWorker {
  relay: OutboxRelay;
  consumers: ConsumerRunner;
  lag: ConsumerLagMonitor;
  stop(): Promise<void>;
}

/**
 * A worker process's work: the outbox relay (active on one replica), the service's
 * subscriptions (shared by all replicas), and the lag gauges of its consumers.
 */
export function startWorker(deps: WorkerDeps, settings: WorkerSettings): RunningWorker {
  const relay = new OutboxRelay({ ...deps, ...settings.relay });
  const consumers = new ConsumerRunner({ ...deps, subscriptions: settings.subscriptions, ...settings.consumers });
  const lag = new ConsumerLagMonitor({ ...deps, consumers: settings.subscriptions.map((s) => s.consumer), intervalMs: settings.lagIntervalMs });
  relay.start();
  consumers.start();
  lag.start();
  return {
    relay,
    consumers,
    lag,
    async stop() {
      await lag.stop();
      // consumers first: their handlers may still write outbox rows the relay should publish
      await consumers.stop();
      await relay.stop();
    },
  };
}
