import type { UnitOfWorkDeps } from '@order-platform/shared';

/** What the api's use cases of this service need: what opens a unit of work (database, outbox, clock, log). */
export type UseCaseDeps = UnitOfWorkDeps;
