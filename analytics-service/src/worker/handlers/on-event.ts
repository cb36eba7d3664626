import type { AnyEventEnvelope, MessageWork } from '@order-platform/shared';
import { recordFacts } from '../../data/read-model-repository.js';
import { factsOf } from '../../domain/event-facts.js';

/**
 * The one handler of every subscription: each event type adds its facts to the read model (the
 * decision per type is `factsOf`, one case per event). Safe twice, and in any order.
 */
export async function onEvent(event: AnyEventEnvelope, work: MessageWork): Promise<void> {
  await recordFacts(work.trx, factsOf(event));
}
