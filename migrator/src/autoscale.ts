#!/usr/bin/env node
// autoscale <service> [--dry-run] [--min-replicas N] [--max-replicas N] [--target-lag N] …
// Scales a service's docker compose worker on the lag of its durable consumers; see --help.
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { closeNats, ConfigError, connectNats, createLogger, describeConfig, exitCodes, isUnavailable, Topology, type NatsConnection } from '@order-platform/shared';
import { composeScaleCommand, countComposeReplicas, scaleComposeService } from './autoscale/compose-scale.js';
import { readServiceLag } from './autoscale/read-service-lag.js';
import { describeAutoscalerEvent, runAutoscaler } from './autoscale/run-autoscaler.js';
import { autoscaleSpec, flagOf, loadAutoscaleConfig, scalingPolicy, type AutoscaleConfig } from './config.js';
import { services } from './services.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const usage = `usage: autoscale <service> [--dry-run] [--flag value…]   services: ${Object.keys(services).join(', ')}`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  out(usage);
  out('Every setting is an environment variable or the flag after it (AUTOSCALE_TARGET_LAG is --target-lag):');
  out(describeConfig(autoscaleSpec).replace(/`(AUTOSCALE_[A-Z_]+)`/g, (_, env: string) => `\`${env}\` \`--${flagOf(env)}\``));
  process.exit(exitCodes.ok);
}

let service: string;
let config: AutoscaleConfig;
try {
  ({ service, config } = loadAutoscaleConfig(process.argv.slice(2)));
} catch (error) {
  out(error instanceof ConfigError ? `autoscale: ${error.message}` : `autoscale: ${(error as Error).message}`);
  out(usage);
  process.exit(error instanceof ConfigError ? exitCodes.config : 64);
}
const load = services[service];
if (!load) {
  out(service ? `autoscale: unknown service "${service}"` : 'autoscale: name one service');
  out(usage);
  process.exit(64);
}
const { consumers } = await load();
const target = config.composeService || `${service}-worker`;
const topology = new Topology(config.natsNamespace);
const policy = scalingPolicy(config);
const log = createLogger({ service: 'autoscale', process: 'tool', level: 'error' });

let initialReplicas = config.initialReplicas || (config.dryRun ? policy.minReplicas : 0);
if (initialReplicas === 0) {
  try {
    initialReplicas = await countComposeReplicas(config.composeCommand, target);
  } catch (error) {
    out(`autoscale: cannot count the running replicas of ${target} with "${config.composeCommand} ps": ${(error as Error).message.trim()}`);
    out('autoscale: set AUTOSCALE_INITIAL_REPLICAS (--initial-replicas), or use --dry-run');
    process.exit(exitCodes.unavailable);
  }
}

// Connected lazily, so that the autoscaler starts (and keeps running) while NATS is away;
// once connected, the client reconnects by itself and reads fail fast until it has.
let nc: NatsConnection | undefined;
let jsm: JetStreamManager | undefined;
async function readLag() {
  try {
    nc ??= await connectNats({ url: config.natsUrl, name: `${target}-autoscaler`, log, connectTimeoutMs: 2000, user: config.natsUser, password: config.natsPassword });
    jsm ??= await jetstreamManager(nc, { timeout: 3000, checkAPI: false });
    return await readServiceLag(jsm, topology, consumers);
  } catch (error) {
    if (!isUnavailable(error)) throw error;
    throw new Error(`NATS at ${config.natsUrl} is unavailable: ${(error as Error).message}`);
  }
}

const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
process.on('SIGINT', () => stop.abort());

const dryRunCommand = config.dryRun ? (n: number) => composeScaleCommand(config.composeCommand, target, n).join(' ') : undefined;
out(
  `autoscaling ${target} on ${consumers.map((c) => c.durable).join(', ')}${config.natsNamespace ? ` (namespace ${config.natsNamespace})` : ''}: ` +
    `${policy.minReplicas}-${policy.maxReplicas} replicas, target lag ${policy.targetLagPerReplica} per replica, scale down below ${policy.scaleDownLagPerReplica}, ` +
    `cool-down ${config.cooldownSeconds} s, every ${config.intervalSeconds} s, starting from ${initialReplicas}${config.dryRun ? ' (dry run)' : ''}`,
);
await runAutoscaler(
  { policy, intervalMs: config.intervalSeconds * 1000, initialReplicas },
  {
    readLag,
    scale: async (replicas) => (config.dryRun ? undefined : scaleComposeService(config.composeCommand, target, replicas)),
    now: Date.now,
    report: (event) => out(describeAutoscalerEvent(event, target, dryRunCommand)),
  },
  stop.signal,
);
if (nc) await closeNats(nc);
out('autoscale: stopped');
process.exit(exitCodes.ok);
