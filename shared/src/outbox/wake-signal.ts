/**
 * What wakes the relay's loop: a NOTIFY from the outbox trigger, a batch done that frees rows,
 * stop, a lost connection. A wake that arrives while the loop is busy is kept, so the loop's
 * next wait returns at once instead of sleeping through work announced meanwhile.
 */
export class WakeSignal {
  private pending = false;
  private waiter: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.waiter?.();
  }

  /** Forgets a kept wake: called just before a select, which sees whatever it announced. */
  clear(): void {
    this.pending = false;
  }

  /** Resolves on the next wake (true), at once if one is kept, or after `ms` (false). */
  wait(ms: number): Promise<boolean> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        this.waiter = undefined;
        this.pending = false;
        resolve(woken);
      };
      const timer = setTimeout(() => done(false), ms);
      this.waiter = () => done(true);
    });
  }
}
