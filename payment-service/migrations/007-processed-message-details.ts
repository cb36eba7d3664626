import type { Knex } from 'knex';
import { addProcessedMessageDetails, dropProcessedMessageDetails } from '@order-platform/shared';

// What each handled message was (subject, entity, stream sequence, deliveries, trace id), for GET /admin/orders/:id/records.
export async function up(knex: Knex): Promise<void> {
  await addProcessedMessageDetails(knex);
}

export async function down(knex: Knex): Promise<void> {
  await dropProcessedMessageDetails(knex);
}
