import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { EventPayloads, EventType } from '@order-platform/shared';

// What nats-permissions.test.ts publishes and runs: events forged by a service that does not own them, the operator tools.
export const now = () => new Date().toISOString();
export const line = { sku: 'PERM-1', quantity: 2, unitPrice: { amount: 180, currency: 'EUR' } };
export const forged: { [T in EventType]?: (orderId: string) => EventPayloads[T] } = {
  'payments.captured': (orderId) => ({ orderId, paymentId: 'pay-forged', amount: { amount: 1, currency: 'EUR' }, capturedAt: now() }),
  'orders.created': (orderId) => ({ orderId, customerId: 'c', items: [line], total: { amount: 360, currency: 'EUR' }, payment: { method: 'card', paymentMethodId: `pm_${randomUUID()}` }, createdAt: now() }),
  'orders.confirmed': (orderId) => ({ orderId, customerId: 'c', items: [line], total: { amount: 360, currency: 'EUR' }, confirmedAt: now() }),
  'stock.reserved': (orderId) => ({ orderId, items: [{ sku: 'PERM-1', quantity: 2 }], reservedAt: now() }),
};

export async function rejection(promise: Promise<unknown>): Promise<Error> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error(`expected a rejection, got ${String(outcome)}`);
}

export function runTool(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const path = fileURLToPath(new URL(`../../src/${script}`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', path, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => (clearTimeout(timer), resolve({ code, output })));
  });
}
