import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually } from '../../src/testing/index.js';

const fixture = fileURLToPath(new URL('../fixtures/relay-process.ts', import.meta.url));

export interface RelayProcess {
  child: ChildProcess;
  output: () => string;
  isActive: () => boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the relay fixture as a real process (tsx), with its log captured. */
export function startRelayProcess(env: { databaseUrl: string; natsUrl: string; namespace: string; extraEnv?: Record<string, string> }): RelayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', fixture], {
    env: { ...process.env, RELAY_DATABASE_URL: env.databaseUrl, RELAY_NATS_URL: env.natsUrl, RELAY_NAMESPACE: env.namespace, ...env.extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return {
    child,
    output: () => out,
    isActive: () => out.includes('outbox relay active'),
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}

export async function waitUntilActive(relay: RelayProcess, timeoutMs = 15_000): Promise<void> {
  await eventually(() => {
    if (!relay.isActive()) throw new Error(`relay not active yet; output so far:\n${relay.output()}`);
  }, { timeoutMs });
}
