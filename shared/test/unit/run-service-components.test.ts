import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

// A service's api and worker in one process (runServiceComponents): a signal that comes while
// one part is up and the next is still starting must still let the first finish its work.
const fixture = fileURLToPath(new URL('../fixtures/two-part-process.ts', import.meta.url));

/** Runs the fixture, sends SIGTERM once `signalAfter` has been printed, and answers its exit code and output. */
function run(secondStartMs: string, signalAfter: string): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', fixture], { env: { ...process.env, SECOND_START_MS: secondStartMs }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the fixture did not exit: ${out}`));
    }, 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!signalled && out.includes(signalAfter)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, lines: out.trim().split('\n') });
    });
  });
}

describe('a process of several parts (runServiceComponents) on SIGTERM', function () {
  this.timeout(30_000);

  it('stops the part that has started, and exits 0, while the next one still waits for its dependencies', async () => {
    const { code, lines } = await run('never', 'first started');
    expect(code, lines.join('\n')).to.equal(0);
    expect(lines).to.deep.equal(['first started', 'first stopped']);
  });

  it('stops a part that comes up while the first is stopping, before it exits', async () => {
    // the second part comes up 100 ms after the signal, while the first takes 300 ms to stop
    const { code, lines } = await run('100', 'first started');
    expect(code, lines.join('\n')).to.equal(0);
    expect(lines).to.include.members(['first started', 'first stopped', 'second started', 'second stopped']);
    expect(lines.at(-1)).to.match(/stopped$/);
  });

  it('stops every part once all have started', async () => {
    const { code, lines } = await run('0', 'second started');
    expect(code, lines.join('\n')).to.equal(0);
    expect(lines).to.include.members(['first started', 'second started', 'first stopped', 'second stopped']);
  });
});
