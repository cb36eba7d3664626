import type { AnyEventEnvelope, MessageWork } from '@order-platform/shared';
import { recordFacts } from '../../data/read-model-repository.js';
import { factsOf } from '../../domain/event-facts.js';

/**
 * The one handler of every subscription: each event type adds its facts to the read model (the
 * decision per type is `factsOf`, one case per event), written with the batch's others. Safe
 * twice, and in any order.
 */
export function onEvent(event: AnyEventEnvelope, work: MessageWork): Promise<void> {
  recordFacts(work.bulk, factsOf(event));
  return Promise.resolve();
}
