import type { Knex } from '@order-platform/shared';
import type { Gateway } from './gateway.js';

/** What the worker's use cases need besides the handler's transaction. */
export interface PaymentDeps {
  gateway: Gateway;
}

/** What the API's queries need. */
export interface QueryDeps {
  db: Knex;
}

/** What the API's use cases need. */
export interface ApiDeps extends QueryDeps {
  clock: () => Date;
  /** how long a registered payment method may wait for its order */
  paymentMethodTtlMs: number;
}
