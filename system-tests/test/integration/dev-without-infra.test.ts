import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

// `make dev` on a machine with neither Postgres, NATS nor Docker: it must not start anything and
// must say what to install or run. Postgres and NATS are "absent" by pointing the URLs at loopback
// ports where nothing listens, Docker by pointing DOCKER_HOST at a socket that does not exist.
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** A loopback port nothing listens on (the OS picked it free, and it is closed again). */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function runDev(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/dev.mjs'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('make dev without Postgres, NATS or Docker', () => {
  it('exits non-zero at once, names what does not answer, and prints both ways to get them', async () => {
    const [pgPort, natsPort] = [await unusedPort(), await unusedPort()];
    const started = Date.now();
    const { code, output } = await runDev({
      DATABASE_ADMIN_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      DOCKER_HOST: 'unix:///nonexistent.sock',
      JWT_SECRET: 'dev-only-jwt-secret-not-for-production',
      // were it to get as far as the stack, these would show it (and not collide with a running make dev)
      DEV_DOCS_PORT: '0',
      MAIL_SINK_PORT: '0',
    });
    expect(code, output).to.equal(69);
    expect(Date.now() - started, 'it does not wait for anything').to.be.below(20_000);
    expect(output).to.include(`Postgres does not answer at postgres://postgres@127.0.0.1:${pgPort}/postgres (DATABASE_ADMIN_URL)`);
    expect(output).to.include(`NATS with JetStream does not answer at nats://127.0.0.1:${natsPort} (NATS_URL)`);
    expect(output).to.match(/Docker is not available either \(.+\)/);
    // the local way, command by command
    expect(output).to.include('sudo apt-get install -y postgresql nats-server');
    expect(output).to.include('/etc/postgresql/*/main/pg_hba.conf');
    expect(output).to.include('nats-server -a 127.0.0.1 -p 4222 -js');
    // the Docker way
    expect(output).to.include('install Docker');
    expect(output).to.include('127.0.0.1:15432');
    expect(output).to.include('127.0.0.1:14222');
    expect(output).to.include('make dev-down');
    // nothing was started: no migrator ran, no api was announced
    expect(output).not.to.match(/migrate|ready ──/);
  });
});
