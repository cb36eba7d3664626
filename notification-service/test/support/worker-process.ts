import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { NotificationService } from './notification-service.js';

const workerMain = fileURLToPath(new URL('../../src/worker/main.ts', import.meta.url));

/** The worker as a real process (tsx), so a test can SIGKILL it. */
export function spawnWorker(sut: NotificationService, env: Record<string, string> = {}, onLine?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', workerMain], {
    env: { ...process.env, ...sut.env, LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent', ...env },
    stdio: ['ignore', onLine ? 'pipe' : 'inherit', 'inherit'],
  });
  if (onLine) createInterface({ input: child.stdout! }).on('line', onLine);
  return child;
}

export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Pull requests waiting on a consumer: a worker that is consuming keeps one open. */
export async function pullRequests(sut: NotificationService, stream: 'ORDERS' | 'PAYMENTS' | 'STOCK', durable: string): Promise<number> {
  const jsm = await jetstreamManager(sut.api.resources.nc);
  return (await jsm.consumers.info(sut.topology.stream(stream), durable)).num_waiting;
}

/** Shortens a consumer's ack_wait, so a message held by a killed worker comes back in seconds. */
export async function shortenAckWait(sut: NotificationService, stream: 'ORDERS' | 'PAYMENTS' | 'STOCK', durable: string, ms: number): Promise<void> {
  const jsm = await jetstreamManager(sut.api.resources.nc);
  await jsm.consumers.update(sut.topology.stream(stream), durable, { ack_wait: nanos(ms) });
}
