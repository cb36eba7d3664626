import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A nats-server of a test's own: its own port, store directory and config. */
export interface OwnNatsServer {
  url: string;
  /** everything the server has logged so far */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `nats-server -js` with `nats.conf` = `include ./auth.conf` (as deploy/nats does) and
 * `env` in its environment, where the config's password variables are resolved. Gives up after
 * 10 s; `stop` kills it by pid and removes its directory.
 */
export async function startOwnNatsServer(authConf: string, env: Record<string, string>): Promise<OwnNatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'nats-permissions-'));
  writeFileSync(join(dir, 'auth.conf'), authConf);
  writeFileSync(join(dir, 'nats.conf'), 'include ./auth.conf\n');
  const port = await freePort();
  const binary = process.env['NATS_SERVER_BIN'] ?? 'nats-server';
  const child: ChildProcess = spawn(binary, ['-c', join(dir, 'nats.conf'), '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'store')], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!/Server is ready/.test(output)) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nats-server did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `nats://127.0.0.1:${port}`, output: () => output, stop };
}
