import { jetstreamManager } from '@nats-io/jetstream';
import { createDb, type Logger, type NatsConnection, type ServiceDescriptor, type Topology } from '@order-platform/shared';
import { resetConsumer, type ReplayResult } from './reset-consumer.js';

export interface RebuildOptions {
  /** the service's database as its owner (the app role may not truncate) */
  databaseUrl: string;
  nc: NatsConnection;
  topology: Topology;
  log: Logger;
  /** rebuild even though a stream no longer holds its first messages (what they said is lost) */
  force?: boolean;
}

/**
 * Rebuilds a service's read model from the streams: in one transaction its tables are truncated
 * and its consumers' processed-message rows deleted, then those consumers replay from the first
 * message their streams hold. Truncating first matters: an event applied between a reset and a
 * later truncate would be wiped and never delivered again. Refuses (unless `force`) when a stream
 * has already dropped messages past its retention: the rebuilt model would lack what they said.
 */
export async function rebuildReadModel(descriptor: ServiceDescriptor, options: RebuildOptions): Promise<{ tables: string[]; consumers: ReplayResult[] }> {
  const { readModel } = descriptor;
  if (!readModel) throw new Error(`${descriptor.service} declares no read model to rebuild`);
  const { nc, topology, log } = options;
  if (!options.force) await checkStreamsComplete(nc, topology, readModel.consumers.map((c) => topology.streamFor(c.event)));
  const db = createDb(options.databaseUrl, { poolMax: 1, applicationName: `${descriptor.service}-rebuild` });
  try {
    await db.transaction(async (trx) => {
      await trx.raw(`truncate table ${readModel.tables.map(() => '??').join(', ')}`, readModel.tables);
      const forgotten = await trx('processed_messages').whereIn('consumer', readModel.consumers.map((c) => c.durable)).del();
      log.info({ tables: readModel.tables, processedRowsDeleted: forgotten }, 'read model emptied');
    });
  } finally {
    await db.destroy();
  }
  const consumers: ReplayResult[] = [];
  for (const consumer of readModel.consumers) consumers.push(await resetConsumer(nc, topology, consumer, { from: 'start' }, log));
  return { tables: readModel.tables, consumers };
}

async function checkStreamsComplete(nc: NatsConnection, topology: Topology, streams: string[]): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const stream of new Set(streams)) {
    const { state } = await jsm.streams.info(stream);
    if (state.first_seq > 1) {
      throw new Error(
        `stream ${stream} no longer holds its first ${state.first_seq - 1} messages (dropped past its retention): a rebuild would lose what they said; FORCE=1 rebuilds from what it holds`,
      );
    }
  }
}
