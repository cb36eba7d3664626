import type { Knex } from 'knex';
import { notifyOnEveryInsert, quietWhenHandedOff } from '@order-platform/shared';

// The outbox trigger stays silent for rows the worker's own relay takes from the batch that wrote them (shared/src/outbox/outbox.ts, RelayHandOff).
export async function up(knex: Knex): Promise<void> {
  await quietWhenHandedOff(knex);
}

export async function down(knex: Knex): Promise<void> {
  await notifyOnEveryInsert(knex);
}
