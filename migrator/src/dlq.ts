#!/usr/bin/env node
// dlq list [service]         dead letters with their error and delivery count
// dlq replay <seq> [<seq>…]  publish them again to their original subject, then drop them from the DLQ
// dlq replay --all [service]
import { closeNats, connectNats, createLogger, listDeadLetters, replayDeadLetter, Topology, type DeadLetter } from '@order-platform/shared';
import { alignedTable } from './aligned-table.js';
import { loadToolConfig } from './config.js';

const [command, ...args] = process.argv.slice(2);
const config = loadToolConfig();
const log = createLogger({ service: 'dlq', process: 'tool', level: 'warn' });
const out = (line: string) => process.stdout.write(`${line}\n`);
const nc = await connectNats({ url: config.natsUrl, name: 'dlq-tool', log, user: config.natsUser, password: config.natsPassword });
const topology = new Topology(config.natsNamespace);

function table(letters: DeadLetter[]): void {
  if (letters.length === 0) {
    out('no dead letters');
    return;
  }
  const rows = letters.map((d) => [String(d.seq), d.deadAt.slice(0, 19), d.consumer, d.eventType, d.subject, String(d.deliveryCount), d.errorKind, d.error.slice(0, 80)]);
  const head = ['seq', 'dead at', 'consumer', 'event', 'subject', 'deliveries', 'kind', 'error'];
  for (const line of alignedTable(head, rows)) out(line);
}

let code = 0;
try {
  if (command === 'list') {
    table(await listDeadLetters(nc, topology, args[0] ? { service: args[0] } : {}));
  } else if (command === 'replay' && args.length > 0) {
    const seqs = args[0] === '--all' ? (await listDeadLetters(nc, topology, args[1] ? { service: args[1] } : {})).map((d) => d.seq) : args.map(Number);
    for (const seq of seqs) {
      const replayed = await replayDeadLetter(nc, topology, seq);
      out(`replayed ${replayed.seq} (${replayed.eventId}) to ${replayed.subject}`);
    }
    if (seqs.length === 0) out('no dead letters to replay');
  } else {
    out('usage: dlq list [service] | dlq replay <seq> [<seq>…] | dlq replay --all [service]');
    code = 64;
  }
} catch (error) {
  out(`dlq: ${(error as Error).message}`);
  code = 1;
} finally {
  await closeNats(nc);
}
process.exit(code);
