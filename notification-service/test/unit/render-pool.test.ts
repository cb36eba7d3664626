import { expect } from 'chai';
import { AppError } from '@order-platform/shared';
import { testLog } from '@order-platform/shared/testing';
import { OutputTooLarge, renderTemplate } from '../../src/domain/templates.js';
import { RenderPool, type RenderLimits } from '../../src/rendering/render-pool.js';
import { selfNested24 } from '../support/hostile-templates.js';

const confirmed = { subject: 'Your order {{orderId}} is confirmed', body: 'Hello {{customerName}},\n{{#items}}  {{quantity}} × {{sku}} = {{lineTotal}}\n{{/items}}Total: {{total}}\n' };
const twoLines = [
  { sku: 'KETTLE-1', quantity: 2, unitPrice: '€25.99', lineTotal: '€51.98' },
  { sku: 'MUG-7', quantity: 1, unitPrice: '€8.50', lineTotal: '€8.50' },
];
const view = { orderId: 'o-1', customerName: 'Ada', items: twoLines, total: '€60.48' };
const hostile = { subject: 'x', body: selfNested24 };

/** Resolves to how the promise settled and after how many ms. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

describe('rendering with limits', function () {
  this.timeout(20_000);
  const pools: RenderPool[] = [];
  const start = async (limits: RenderLimits) => {
    const pool = await RenderPool.start(limits, testLog);
    pools.push(pool);
    return pool;
  };
  after(() => Promise.all(pools.map((pool) => pool.close())));

  it('in a thread, renders what renderTemplate renders in-process', async () => {
    const pool = await start({ timeoutMs: 1000, maxLength: 10_000, threads: 1 });
    expect(await pool.render(confirmed, view)).to.deep.equal(renderTemplate(confirmed, view));
  });

  it('the output cap stops a runaway render early, in-process and in a thread', async () => {
    expect(() => renderTemplate(hostile, { items: twoLines }, 1000)).to.throw(OutputTooLarge, 'longer than 1000 characters');
    const pool = await start({ timeoutMs: 10_000, maxLength: 1000, threads: 1 });
    const { ms, error } = await timed(pool.render(hostile, { items: twoLines }));
    expect(error).to.be.instanceOf(AppError).with.property('kind', 'permanent');
    expect((error as Error).message).to.match(/longer than 1000 characters/);
    expect(ms).to.be.below(2000); // the whole render takes seconds
    expect(await pool.render(confirmed, view)).to.have.property('subject', 'Your order o-1 is confirmed');
  });

  it('the time limit ends a render: a transient failure (retried, then dead-lettered), the thread is terminated, a new one renders the next', async () => {
    const pool = await start({ timeoutMs: 10, maxLength: Number.MAX_SAFE_INTEGER, threads: 1 });
    const { ms, error } = await timed(pool.render(hostile, { items: twoLines }));
    expect(error).to.be.instanceOf(AppError).with.property('kind', 'transient');
    expect((error as Error).message).to.equal('rendering took longer than 10 ms (the limit)');
    expect(ms).to.be.below(1000);
    const next = await timed(pool.render({ subject: '{{orderId}}', body: 'ok' }, view));
    expect(next.error).to.equal(undefined);
    expect(next.value).to.deep.equal({ subject: 'o-1', body: 'ok' });
  });

  it('a render stuck on one thread does not hold up another on the other thread', async () => {
    const pool = await start({ timeoutMs: 500, maxLength: Number.MAX_SAFE_INTEGER, threads: 2 });
    const settled: string[] = [];
    const stuck = pool.render(hostile, { items: twoLines }).catch(() => settled.push('stuck'));
    const normal = pool.render(confirmed, view).then(() => settled.push('normal'));
    await Promise.all([stuck, normal]);
    expect(settled).to.deep.equal(['normal', 'stuck']);
    const after = await Promise.all([pool.render(confirmed, view), pool.render(confirmed, view)]);
    expect(after.map((text) => text.subject)).to.deep.equal(['Your order o-1 is confirmed', 'Your order o-1 is confirmed']);
  });

  it('a text the renderer rejects fails for good; a closed pool renders nothing', async () => {
    const pool = await start({ timeoutMs: 1000, maxLength: 10_000, threads: 1 });
    const { error } = await timed(pool.render({ subject: 'x', body: '{{#items}}open' }, view));
    expect(error).to.be.instanceOf(AppError).with.property('kind', 'permanent');
    expect((error as Error).message).to.match(/^rendering failed: Unclosed section "items"/);
    await pool.close();
    const closed = await timed(pool.render(confirmed, view));
    expect((closed.error as Error).message).to.equal('the render pool is closed');
  });
});
