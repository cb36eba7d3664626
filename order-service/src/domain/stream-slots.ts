import { AppError } from '@order-platform/shared';

/**
 * Open status streams per principal, counted in this api process: the one past `max` is refused
 * with 429. Per process on purpose: a stream's cost (a socket, a subscription) is paid by the
 * process that holds it, and a count shared in Postgres would need a heartbeat per open stream
 * to forget the streams of a replica that died, which is the per-stream load the shared change
 * feed removed. With N replicas a principal may hold up to N × max.
 */
export class StreamSlots {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a slot or throws 429; the returned function gives it back (only the first call counts). */
  take(principalId: string): () => void {
    const count = this.open.get(principalId) ?? 0;
    if (count >= this.max) {
      throw new AppError('too_many_requests', `at most ${this.max} open streams per caller: close one first`, { details: { maxStreams: this.max } });
    }
    this.open.set(principalId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(principalId) ?? 1) - 1;
      if (left > 0) this.open.set(principalId, left);
      else this.open.delete(principalId);
    };
  }
}
