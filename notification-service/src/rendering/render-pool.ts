import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError, type Logger } from '@order-platform/shared';
import type { Renderer } from '../domain/render-stored.js';
import type { TemplateText } from '../domain/templates.js';
import type { RenderReply, RenderRequest } from './render-thread.js';

// The thread's script is a sibling of this module, chosen by how this module was loaded:
// render-thread.js next to render-pool.js in dist (production), or, when this is the .ts
// source under tsx (dev, tests), render-thread-tsx.mjs, which loads tsx in the thread first.
const underTsx = extname(fileURLToPath(import.meta.url)) === '.ts';
const threadScript = new URL(underTsx ? './render-thread-tsx.mjs' : './render-thread.js', import.meta.url);

export interface RenderLimits {
  /** from the moment a thread takes the render; waiting for a free thread does not count */
  timeoutMs: number;
  /** characters of subject and body together */
  maxLength: number;
  threads: number;
}

interface Job {
  request: RenderRequest;
  resolve(text: TemplateText): void;
  reject(error: unknown): void;
}

interface Thread {
  worker: Worker;
  id: number;
  job?: Job | undefined;
  timer?: NodeJS.Timeout | undefined;
  error?: Error | undefined;
}

/**
 * Renders in a few reusable worker threads, so a slow render never blocks the event loop, and
 * ends any render that runs past the time limit by terminating its thread (a synchronous
 * render cannot be interrupted otherwise); a new thread takes its place. A render over the
 * output or memory limit fails with a permanent AppError (the same text and values would fail
 * the same way again); one over the time limit with a transient one (see timeOut).
 */
export class RenderPool {
  private readonly threads = new Set<Thread>();
  private readonly idle: Thread[] = [];
  private readonly queue: Job[] = [];
  private closed = false;

  private constructor(private readonly limits: RenderLimits, private readonly log: Logger) {}

  /** Resolves once every thread has loaded its script, so a broken build fails at start, not per message. */
  static async start(limits: RenderLimits, log: Logger): Promise<RenderPool> {
    const pool = new RenderPool(limits, log);
    try {
      await Promise.all(Array.from({ length: limits.threads }, () => pool.spawn()));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  readonly render: Renderer = (text, view) => {
    if (this.closed) return Promise.reject(new Error('the render pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { text, view, maxLength: this.limits.maxLength }, resolve, reject });
      this.dispatch();
    });
  };

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the render pool is closed'));
    const threads = [...this.threads];
    this.threads.clear();
    this.idle.length = 0;
    for (const thread of threads) {
      clearTimeout(thread.timer);
      thread.job?.reject(new Error('the render pool is closed'));
    }
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.idle.length > 0) {
      const thread = this.idle.pop()!;
      const job = this.queue.shift()!;
      try {
        thread.worker.postMessage(job.request);
      } catch (error) {
        // values that cannot be copied to a thread (a function, …) will not render on a retry either
        job.reject(new AppError('permanent', `the values cannot be rendered: ${(error as Error).message}`, { cause: error }));
        this.idle.push(thread);
        continue;
      }
      thread.job = job;
      thread.timer = setTimeout(() => this.timeOut(thread), this.limits.timeoutMs);
    }
    if (this.queue.length > 0 && this.threads.size < this.limits.threads) this.replace();
  }

  private answer(thread: Thread, reply: Exclude<RenderReply, { ready: true }>): void {
    const job = thread.job;
    if (!job || !this.threads.has(thread)) return;
    clearTimeout(thread.timer);
    thread.job = undefined;
    if ('rendered' in reply) job.resolve(reply.rendered);
    else if (reply.failure === 'too_large') job.reject(new AppError('permanent', `${reply.message} (the limit)`));
    else job.reject(new AppError('permanent', `rendering failed: ${reply.message}`));
    this.idle.push(thread);
    this.dispatch();
  }

  private timeOut(thread: Thread): void {
    const job = thread.job;
    if (!job) return;
    thread.job = undefined;
    this.remove(thread);
    void thread.worker.terminate();
    if (!this.closed) this.replace();
    this.log.warn({ threadId: thread.id, timeoutMs: this.limits.timeoutMs }, 'render over the time limit: its thread is terminated and replaced');
    // Transient: a text that passed the template rules renders in microseconds, so a render this
    // slow is a starved machine far more often than a hostile text (seen in the compose smoke run
    // with 20 containers on 2 cores). Each attempt is still cut at the limit, and a text that is
    // slow every time runs out of retries and is dead-lettered: delivery never stalls.
    job.reject(new AppError('transient', `rendering took longer than ${this.limits.timeoutMs} ms (the limit)`));
  }

  /** false when it was gone already (timed out or closed) */
  private remove(thread: Thread): boolean {
    clearTimeout(thread.timer);
    const at = this.idle.indexOf(thread);
    if (at >= 0) this.idle.splice(at, 1);
    return this.threads.delete(thread);
  }

  private replace(): void {
    this.spawn().catch((error: unknown) => {
      if (this.closed) return;
      this.log.error({ err: error }, 'a render thread could not start');
      if (this.threads.size > 0) return;
      // no thread left to wait for: fail what waits (not permanent: a later try may start one)
      for (const job of this.queue.splice(0)) job.reject(new Error(`no render thread could start: ${(error as Error).message}`));
    });
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      // the heap cap stops a render that allocates without end before the time limit does
      const worker = new Worker(threadScript, { resourceLimits: { maxOldGenerationSizeMb: 64 } });
      const thread: Thread = { worker, id: worker.threadId };
      let ready = false;
      this.threads.add(thread);
      worker.on('message', (reply: RenderReply) => {
        if (!('ready' in reply)) return this.answer(thread, reply);
        ready = true;
        if (!this.threads.has(thread)) return resolve();
        this.idle.push(thread);
        resolve();
        this.dispatch();
      });
      worker.on('error', (error) => {
        thread.error = error;
      });
      worker.on('exit', (code) => {
        const mine = this.remove(thread);
        // a thread that never got ready is not replaced here: that could loop; whoever spawned it decides
        if (!ready) return reject(thread.error ?? new Error(`the render thread exited with code ${code} before it was ready`));
        if (!mine) return;
        if (!this.closed) this.replace();
        const job = thread.job;
        thread.job = undefined;
        if (!job) return;
        const outOfMemory = (thread.error as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
        this.log.error({ err: thread.error, threadId: thread.id }, 'a render thread stopped during a render; a new one takes its place');
        job.reject(outOfMemory ? new AppError('permanent', 'rendering ran out of memory') : new Error(`the render thread stopped: ${thread.error?.message ?? `exit code ${code}`}`));
      });
    });
  }
}
