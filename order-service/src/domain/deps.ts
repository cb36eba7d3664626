import type { UnitOfWorkDeps } from '@order-platform/shared';
import type { CachedCatalog } from '../data/cached-catalog.js';

/** What the api's use cases need: what opens a unit of work (database, outbox, clock, log), the catalog orders are priced from, and their settings. */
export interface UseCaseDeps extends UnitOfWorkDeps {
  catalog: CachedCatalog;
  /** how long an Idempotency-Key is remembered */
  idempotencyRetentionMs: number;
}
