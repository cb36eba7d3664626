#!/usr/bin/env node
// replay consumer <service>/<consumer> <from>   move a durable consumer back: from a stream sequence, an RFC 3339 time, or "start"
// replay rebuild <service> [--force]            empty the service's read model and replay its consumers from the start
import { closeNats, connectNats, createLogger, Topology } from '@order-platform/shared';
import { loadConfig } from './config.js';
import { rebuildReadModel } from './replay/rebuild.js';
import { findConsumer, parseReplayStart, resetConsumer } from './replay/reset-consumer.js';
import { services } from './services.js';

const usage = 'usage: replay consumer <service>/<consumer> <stream seq | RFC 3339 time | start> | replay rebuild <service> [--force]';
const out = (line: string) => process.stdout.write(`${line}\n`);
const [command, target = '', ...rest] = process.argv.slice(2);

async function main(): Promise<number> {
  const [serviceName = '', consumerName = ''] = command === 'consumer' ? target.split('/') : [target];
  const load = services[serviceName];
  if ((command !== 'consumer' && command !== 'rebuild') || !load || (command === 'consumer' && (!consumerName || rest.length !== 1))) {
    out(usage);
    out(`services: ${Object.keys(services).join(', ')}`);
    return 64;
  }
  const descriptor = await load();
  const config = loadConfig(descriptor.defaultDatabaseUrl);
  const log = createLogger({ service: descriptor.service, process: 'replay', level: config.logLevel });
  const nc = await connectNats({ url: config.natsUrl, name: 'replay-tool', log, user: config.natsUser, password: config.natsPassword });
  const topology = new Topology(config.natsNamespace);
  try {
    if (command === 'consumer') {
      const result = await resetConsumer(nc, topology, findConsumer(descriptor, consumerName), parseReplayStart(rest[0]!), log);
      out(`${result.durable} on ${result.stream} reset: ${result.pending} messages to deliver again (already applied ones are skipped as duplicates)`);
    } else {
      const result = await rebuildReadModel(descriptor, { databaseUrl: config.databaseUrl, nc, topology, log, force: rest.includes('--force') });
      out(`${descriptor.service}: emptied ${result.tables.join(', ')}; replaying ${result.consumers.map((c) => `${c.durable} (${c.pending})`).join(', ')}`);
    }
    return 0;
  } finally {
    await closeNats(nc);
  }
}

try {
  process.exit(await main());
} catch (error) {
  out(`replay: ${(error as Error).message}`);
  process.exit(1);
}
