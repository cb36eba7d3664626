#!/usr/bin/env node
// streams: messages, bytes and sequences of this system's streams, and the pending, unacknowledged
// and redelivered counts of every consumer on them; lag = pending + ack pending.
// For machines without the nats CLI (`nats stream report`, `nats consumer report <stream>`).
import { closeNats, ConfigError, connectNats, createLogger, exitCodes, Topology, type NatsConnection } from '@order-platform/shared';
import { loadToolConfig } from './config.js';
import { buildStreamReport, formatStreamReport } from './stream-report.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
let config;
try {
  config = loadToolConfig();
} catch (error) {
  out(`streams: ${error instanceof ConfigError ? error.message : String(error)}`);
  process.exit(exitCodes.config);
}
const log = createLogger({ service: 'streams', process: 'tool', level: 'warn' });

let nc: NatsConnection;
try {
  nc = await connectNats({ url: config.natsUrl, name: 'streams-tool', log, user: config.natsUser, password: config.natsPassword });
} catch (error) {
  out(`streams: cannot reach NATS at ${config.natsUrl}: ${(error as Error).message}`);
  process.exit(exitCodes.unavailable);
}
let code: number = exitCodes.ok;
try {
  out(`NATS ${config.natsUrl}, namespace ${config.natsNamespace || '(none)'}`);
  out('');
  for (const line of formatStreamReport(await buildStreamReport(nc, new Topology(config.natsNamespace)))) out(line);
} catch (error) {
  out(`streams: ${(error as Error).message}`);
  code = exitCodes.failure;
} finally {
  await closeNats(nc);
}
process.exit(code);
