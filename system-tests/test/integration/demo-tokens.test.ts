import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { sleep, testInfra, testJwtSecret } from '@order-platform/shared/testing';

// `make demo` as a user runs it (the built tree, its own ports, databases and namespace), here
// against the test Postgres and NATS. It checks itself for card tokens before it cleans up.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const PORTS_BUSY = 75; // the demo's exit code while another demo holds its fixed ports

function runDemo(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/demo.mjs'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('make demo: every saga path, and no card token left anywhere', function () {
  this.timeout(360_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'demo-tokens-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends every path as expected and finds no card token in any stream, outbox row, table, dead letter or log line', async () => {
    const { databaseUrl, natsUrl } = await testInfra();
    const server = new URL(databaseUrl);
    server.pathname = '';
    server.search = '';
    const logFile = join(dir, 'demo.log');
    const env = { JWT_SECRET: testJwtSecret, NATS_URL: natsUrl, DATABASE_BASE_URL: server.toString(), DEMO_LOG: logFile };
    let result = await runDemo(env);
    for (let waited = 0; result.code === PORTS_BUSY && waited < 180_000; waited += 10_000) {
      await sleep(10_000);
      result = await runDemo(env);
    }
    const { code, output } = result;
    expect(code, output).to.equal(0);
    expect(output, 'the operator console runs while the demo does').to.match(/^operator console: http:\/\/127\.0\.0\.1:4007 while the demo runs/m);

    const lines = output.split('\n');
    const header = lines.findIndex((line) => /^path\s+order\s+total/.test(line));
    const rows = lines.slice(header + 1, lines.indexOf('', header));
    expect(rows, output).to.have.length(7);
    for (const row of rows) expect(row.trim().split(/\s+/).at(-1), row).to.equal('yes');
    expect(output).to.match(/^card tokens found: 0 \(streams [1-9]\d* messages, outbox [1-9]\d* rows, other tables [1-9]\d* rows, log [1-9]\d* lines\)$/m);
    // the whole log, the services' shutdown included, and what the demo printed
    expect(readFileSync(logFile, 'utf8')).not.to.match(/tok_/);
    expect(output).not.to.match(/tok_/);
  });
});
