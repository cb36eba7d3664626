import type { UnitOfWorkDeps } from '@order-platform/shared';

/** What the api's use cases need: what opens a unit of work (database, outbox, clock, log) and their settings. */
export interface UseCaseDeps extends UnitOfWorkDeps {
  /** how long an Idempotency-Key is remembered */
  idempotencyRetentionMs: number;
}
